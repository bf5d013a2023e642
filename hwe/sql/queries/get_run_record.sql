-- Reads one run with what its views need: the pinned definition, its queue and root task, state,
-- current step, error and times. Scoped by tenant: another tenant's run is not found. Takes no lock.
SELECT workflow_run_id, workflow_name, workflow_version, definition, state, error, current_step,
       progress_completed, progress_total, queue_name, task_id, retry_of, created_at, started_at,
       finished_at, updated_at
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
