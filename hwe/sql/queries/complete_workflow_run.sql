-- SUCCESS of a root task in one statement: the run and its task completed with the result (fenced by run id +
-- token), the workflow run finished with it and the `completed` audit record appended. Lock order as in every
-- outcome: the run, then the task, then the workflow run (each CTE reads the one before). A completed run shows
-- all its tasks done. No row means this worker no longer holds the run and nothing was written; otherwise the
-- row is what telling a parent run needs (children.notify_parent).
WITH run AS (
    UPDATE {runs}
    SET state = 'completed', completed_at = hwe.current_time(), result = %(result)s, claim_expires_at = NULL
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id
), task AS (
    UPDATE {tasks} t
    SET state = 'completed', completed_at = hwe.current_time(), result = %(result)s
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id
), finished AS (
    UPDATE hwe.workflow_run w
    SET state = 'completed', result = %(result)s, error = NULL, progress_completed = w.progress_total,
        finished_at = hwe.current_time(), updated_at = hwe.current_time()
    FROM task
    WHERE w.workflow_run_id = %(workflow_run_id)s
    RETURNING w.workflow_run_id, w.parent_run_id, w.tenant_id, w.queue_name, w.state, w.result, w.error
), audit AS (
    INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, run_id, detail)
    SELECT workflow_run_id, tenant_id, 'completed', %(run_id)s, %(detail)s FROM finished
)
SELECT finished.* FROM task LEFT JOIN finished ON true
