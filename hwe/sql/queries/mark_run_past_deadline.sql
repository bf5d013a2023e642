-- Ends a run past its deadline as failed or cancelled (its deadline_action), with the reason, after
-- its root task was cancelled in the same transaction. Check-and-set: a run that finished meanwhile
-- keeps its outcome. Returns what telling a parent run needs (children.notify_parent).
UPDATE hwe.workflow_run
SET state = CASE WHEN deadline_action = 'cancel' THEN 'cancelled' ELSE 'failed' END,
    finished_at = hwe.current_time(), updated_at = hwe.current_time(),
    error = jsonb_build_object('type', 'deadline_exceeded',
                               'message', 'the workflow deadline passed before the run finished')
WHERE workflow_run_id = %(workflow_run_id)s AND state IN ('pending', 'running', 'sleeping', 'waiting')
RETURNING workflow_run_id, parent_run_id, tenant_id, queue_name, state, result, error
