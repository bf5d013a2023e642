-- FAILURE: marks the run failed, fenced by run id + token; locks the run, then the task. When
-- %(retry_delay)s (seconds) is given and attempts remain, the task gets a new run (attempt + 1) due after that delay;
-- otherwise the task is failed for good. Returns the task's new state; no row means the fence was lost.
-- A scheduled retry notifies the queue with `wake <seconds>` on commit, so idle workers wake up for it on time.
WITH run AS (
    UPDATE {runs}
    SET state = 'failed', failed_at = hwe.current_time(), failure_reason = %(reason)s, claim_expires_at = NULL
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id, attempt
), task AS (
    UPDATE {tasks} t
    SET state = CASE WHEN %(retry_delay)s::float8 IS NOT NULL AND run.attempt < t.max_attempts
                     THEN 'pending' ELSE 'failed' END,
        attempts = CASE WHEN %(retry_delay)s::float8 IS NOT NULL AND run.attempt < t.max_attempts
                        THEN run.attempt + 1 ELSE run.attempt END,
        completed_at = CASE WHEN %(retry_delay)s::float8 IS NOT NULL AND run.attempt < t.max_attempts
                            THEN NULL ELSE hwe.current_time() END,
        failure_reason = %(reason)s
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id, t.state, run.attempt
), retry AS (
    INSERT INTO {runs} (run_id, task_id, attempt, state, available_at, created_at)
    SELECT %(next_run_id)s, task_id, attempt + 1, 'pending',
           hwe.current_time() + make_interval(secs => %(retry_delay)s::float8), hwe.current_time()
    FROM task
    WHERE state = 'pending'
    RETURNING run_id, available_at
)
SELECT task.state AS task_state, retry.run_id AS retry_run_id,
       CASE WHEN retry.run_id IS NOT NULL THEN
           pg_notify(%(channel)s, 'wake ' || extract(epoch FROM retry.available_at - hwe.current_time())::float8)
       END AS wake_notified
FROM task
LEFT JOIN retry ON true
