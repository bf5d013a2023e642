-- Reads one run as the API shows it. Scoped by tenant: another tenant's run is not found.
SELECT workflow_run_id, workflow_name, workflow_version, state, result, error, context, current_step,
       progress_completed, progress_total, parent_run_id, created_at, started_at, finished_at, updated_at
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
