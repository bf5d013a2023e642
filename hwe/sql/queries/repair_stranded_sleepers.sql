-- Invariant: a sleeping run has a wake-up condition (a time, or a registered event wait). Makes up
-- to %(limit)s sleeping runs with neither claimable now, so they replay and register their wait
-- again. Uses the claimable index (available_at = infinity); SKIP LOCKED as above.
WITH stranded AS (
    SELECT r.run_id FROM {runs} r
    WHERE r.state = 'sleeping' AND r.available_at = 'infinity'
      AND NOT EXISTS (SELECT 1 FROM {waits} w WHERE w.task_id = r.task_id)
    ORDER BY r.run_id
    LIMIT %(limit)s
    FOR UPDATE OF r SKIP LOCKED
)
UPDATE {runs} r
SET state = 'pending', available_at = hwe.current_time()
FROM stranded
WHERE r.run_id = stranded.run_id
RETURNING r.run_id, r.task_id, pg_notify(%(channel)s, '')
