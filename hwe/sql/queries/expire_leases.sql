-- Expires up to %(limit)s runs whose lease ran out, by check-and-set: only rows still running with
-- an expired lease are touched (SKIP LOCKED, so a run being completed right now is left alone and
-- re-checked next time). The run fails with reason lease_expired and its fencing token is bumped,
-- so its old worker can write nothing more; the task gets a new run at once while attempts remain,
-- else it fails, and so does its workflow run. Lock order: runs, task, workflow_run. A failed
-- workflow run's row comes back with what telling its parent needs (children.notify_parent).
WITH expired AS (
    SELECT r.run_id
    FROM {runs} r
    WHERE r.state = 'running' AND r.claim_expires_at < hwe.current_time()
    ORDER BY r.claim_expires_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), run AS (
    UPDATE {runs} r
    SET state = 'failed', failed_at = hwe.current_time(), fencing_token = r.fencing_token + 1,
        claim_expires_at = NULL,
        failure_reason = jsonb_build_object('type', 'lease_expired', 'claimed_by', r.claimed_by)
    FROM expired e
    WHERE r.run_id = e.run_id
    RETURNING r.run_id, r.task_id, r.attempt
), task AS (
    UPDATE {tasks} t
    SET state = CASE WHEN run.attempt < t.max_attempts THEN 'pending' ELSE 'failed' END,
        attempts = CASE WHEN run.attempt < t.max_attempts THEN run.attempt + 1 ELSE run.attempt END,
        completed_at = CASE WHEN run.attempt < t.max_attempts THEN NULL ELSE hwe.current_time() END,
        failure_reason = jsonb_build_object('type', 'lease_expired')
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id, t.workflow_run_id, t.state, run.run_id, run.attempt
), retry AS (
    INSERT INTO {runs} (run_id, task_id, attempt, state, available_at, created_at)
    SELECT gen_random_uuid(), task_id, attempt + 1, 'pending', hwe.current_time(), hwe.current_time()
    FROM task
    WHERE state = 'pending'
), workflow AS (
    UPDATE hwe.workflow_run w
    SET state = 'failed', finished_at = hwe.current_time(), updated_at = hwe.current_time(),
        error = jsonb_build_object('type', 'lease_expired',
                                   'message', 'the worker running this workflow stopped renewing its lease')
    FROM task
    WHERE w.workflow_run_id = task.workflow_run_id AND task.state = 'failed'
    RETURNING w.workflow_run_id, w.parent_run_id, w.tenant_id, w.queue_name, w.state, w.result, w.error
)
SELECT task.run_id, task.task_id, task.workflow_run_id, task.state AS task_state, workflow.parent_run_id,
       workflow.tenant_id, workflow.queue_name, workflow.state, workflow.result, workflow.error,
       pg_notify(%(channel)s, '')
FROM task
LEFT JOIN workflow USING (workflow_run_id)
