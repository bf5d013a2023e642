-- Claims the one due schedule (unpaused, next_fire_at at or before now) with the earliest fire
-- time, leaving out those in %(exclude)s. Locks that schedule row with FOR UPDATE SKIP LOCKED, so
-- scheduler replicas never fire the same schedule at once and never wait on each other: a row
-- another replica holds is skipped. The tenant row is read, not locked. Returns the engine's "now".
WITH clock AS (
    SELECT hwe.current_time() AS now
)
SELECT s.schedule_id, s.tenant_id, s.cron, s.timezone, s.definition, s.inputs, s.start_date, s.catchup,
       s.max_active_runs, s.next_fire_at, s.created_at, t.queue_name, clock.now
FROM hwe.schedule s
JOIN hwe.tenant t USING (tenant_id)
CROSS JOIN clock
WHERE NOT s.is_paused
  AND s.next_fire_at <= clock.now
  AND s.schedule_id <> ALL (%(exclude)s::uuid[])
ORDER BY s.next_fire_at
LIMIT 1
FOR UPDATE OF s SKIP LOCKED
