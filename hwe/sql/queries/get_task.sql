-- Reads one queue task by its key, scoped by tenant through the workflow run that owns it: another
-- tenant's task is not found. Reads only; takes no locks.
SELECT t.task_id, t.workflow_run_id, w.workflow_name, w.state AS workflow_state, t.task_name, t.params,
       t.retry_strategy, t.max_attempts, t.state, t.attempts, t.enqueue_at, t.first_started_at, t.completed_at,
       t.cancelled_at, t.failure_reason
FROM {tasks} t
JOIN hwe.workflow_run w ON w.workflow_run_id = t.workflow_run_id
WHERE t.task_id = %(task_id)s AND w.tenant_id = %(tenant_id)s
