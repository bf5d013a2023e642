-- The tenant's run as the log views describe it; no row when it is unknown or another tenant's. Locks nothing.
SELECT workflow_run_id, workflow_name, state, parent_run_id, error, created_at, started_at, finished_at
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
