-- Reads where a run's queue rows are (its root task and queue) and its state, scoped by tenant.
-- Takes no lock: callers lock queue rows first, in the usual order, before changing the run row.
SELECT workflow_run_id, state, task_id, queue_name
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
