-- Moves a run to a terminal state with its result or error. Called inside the orchestrator's
-- SUCCESS or FAILURE transaction, after the queue row it belongs to was updated (lock order:
-- runs, task, then workflow_run).
UPDATE hwe.workflow_run
SET state = %(state)s, result = %(result)s, error = %(error)s,
    finished_at = hwe.current_time(), updated_at = hwe.current_time()
WHERE workflow_run_id = %(workflow_run_id)s
