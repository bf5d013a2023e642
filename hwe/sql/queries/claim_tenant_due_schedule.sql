-- Claims one due schedule of one tenant (unpaused, next_fire_at at or before now) with the earliest
-- fire time, leaving out those in %(exclude)s: the scan the API runs on request (POST
-- /api/v1/schedules/scan), as claim_due_schedule is the scheduler's. The same FOR UPDATE SKIP LOCKED:
-- a schedule a scheduler replica (or another scan) holds is skipped, and one it has just fired is no
-- longer due when re-checked, so the two never fire a fire time twice. Returns the engine's "now".
WITH clock AS (
    SELECT hwe.current_time() AS now
)
SELECT s.schedule_id, s.tenant_id, s.cron, s.timezone, s.definition, s.inputs, s.start_date, s.catchup,
       s.max_active_runs, s.next_fire_at, s.created_at, t.queue_name, clock.now
FROM hwe.schedule s
JOIN hwe.tenant t USING (tenant_id)
CROSS JOIN clock
WHERE s.tenant_id = %(tenant_id)s
  AND NOT s.is_paused
  AND s.next_fire_at <= clock.now
  AND s.schedule_id <> ALL (%(exclude)s::uuid[])
ORDER BY s.next_fire_at
LIMIT 1
FOR UPDATE OF s SKIP LOCKED
