-- FAILURE of a root task for good, in one statement: the run and its task failed with the reason (fenced by run
-- id + token), the workflow run finished failed with it and the `failed` audit record appended. Lock order as in
-- every outcome: the run, then the task, then the workflow run. No row means this worker no longer holds the run
-- and nothing was written; otherwise the row is what telling a parent run needs (children.notify_parent).
WITH run AS (
    UPDATE {runs}
    SET state = 'failed', failed_at = hwe.current_time(), failure_reason = %(reason)s, claim_expires_at = NULL
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id, attempt
), task AS (
    UPDATE {tasks} t
    SET state = 'failed', attempts = run.attempt, completed_at = hwe.current_time(), failure_reason = %(reason)s
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id
), finished AS (
    UPDATE hwe.workflow_run w
    SET state = 'failed', result = NULL, error = %(reason)s, finished_at = hwe.current_time(),
        updated_at = hwe.current_time()
    FROM task
    WHERE w.workflow_run_id = %(workflow_run_id)s
    RETURNING w.workflow_run_id, w.parent_run_id, w.tenant_id, w.queue_name, w.state, w.result, w.error
), audit AS (
    INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, run_id, detail)
    SELECT workflow_run_id, tenant_id, 'failed', %(run_id)s, %(detail)s FROM finished
)
SELECT finished.* FROM task LEFT JOIN finished ON true
