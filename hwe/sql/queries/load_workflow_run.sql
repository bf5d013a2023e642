-- Reads what a worker needs to execute a run: its pinned definition, inputs and tenant.
SELECT workflow_run_id, tenant_id, definition, inputs
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s
