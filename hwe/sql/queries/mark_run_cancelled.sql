-- Marks a workflow run cancelled (after its task was cancelled, in the same transaction); returns
-- what telling a parent run needs (children.notify_parent).
UPDATE hwe.workflow_run
SET state = 'cancelled', finished_at = hwe.current_time(), updated_at = hwe.current_time(),
    error = jsonb_build_object('type', 'cancelled', 'message', 'the run was cancelled')
WHERE workflow_run_id = %(workflow_run_id)s AND state NOT IN ('completed', 'failed', 'cancelled')
RETURNING workflow_run_id, parent_run_id, tenant_id, queue_name, state, result, error
