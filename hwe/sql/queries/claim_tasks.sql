-- Claims up to %(limit)s runs that are due, oldest first, of tasks not yet finished. Locks the candidate runs with
-- FOR UPDATE SKIP LOCKED, so concurrent workers never wait on each other nor claim the same run,
-- then their tasks and workflow runs (lock order: runs, task, workflow_run). Every claim starts a
-- lease and bumps the run's fencing token; the worker must present that token on every write.
-- Each claim also says when the run became due and whether its task starts for the first time (for the metrics).
WITH candidate AS (
    SELECT r.run_id, r.available_at, t.first_started_at IS NULL AS first_start
    FROM {runs} r
    JOIN {tasks} t USING (task_id)
    WHERE r.state IN ('pending', 'sleeping') AND r.available_at <= hwe.current_time()
      AND t.state NOT IN ('completed', 'failed', 'cancelled')
    ORDER BY r.available_at, r.run_id
    LIMIT %(limit)s
    FOR UPDATE OF r SKIP LOCKED
), claimed AS (
    UPDATE {runs} r
    SET state = 'running', claimed_by = %(worker_id)s, fencing_token = r.fencing_token + 1,
        claim_expires_at = hwe.current_time() + make_interval(secs => %(lease_seconds)s),
        started_at = coalesce(r.started_at, hwe.current_time())
    FROM candidate c
    WHERE r.run_id = c.run_id
    RETURNING r.run_id, r.task_id, r.attempt, r.fencing_token, r.wake_event, r.event_payload, c.available_at,
              c.first_start
), task AS (
    UPDATE {tasks} t
    SET state = 'running', first_started_at = coalesce(t.first_started_at, hwe.current_time())
    FROM claimed c
    WHERE t.task_id = c.task_id
    RETURNING t.task_id, t.workflow_run_id, t.task_name, t.params, t.max_attempts
), workflow AS (
    UPDATE hwe.workflow_run w
    SET state = 'running', started_at = coalesce(w.started_at, hwe.current_time()), updated_at = hwe.current_time()
    FROM task t
    WHERE w.workflow_run_id = t.workflow_run_id AND w.state IN ('pending', 'sleeping', 'waiting')
)
SELECT c.run_id, c.task_id, c.attempt, c.fencing_token, t.max_attempts, t.workflow_run_id, t.task_name, t.params,
       c.wake_event, c.event_payload, hwe.current_time() AS claimed_at, c.available_at, c.first_start
FROM claimed c
JOIN task t USING (task_id)
