-- Moves a run to a terminal state with its result or error. Called inside the orchestrator's
-- SUCCESS or FAILURE transaction, after the queue row it belongs to was updated (lock order:
-- runs, task, then workflow_run). A completed run shows all its tasks done: skipped ones included.
-- Returns what telling a parent run needs (children.notify_parent).
UPDATE hwe.workflow_run
SET state = %(state)s, result = %(result)s, error = %(error)s,
    progress_completed = CASE WHEN %(state)s = 'completed' THEN progress_total ELSE progress_completed END,
    finished_at = hwe.current_time(), updated_at = hwe.current_time()
WHERE workflow_run_id = %(workflow_run_id)s
RETURNING workflow_run_id, parent_run_id, tenant_id, queue_name, state, result, error
