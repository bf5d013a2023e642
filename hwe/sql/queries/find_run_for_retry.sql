-- Reads what retrying a run needs: its definition, inputs, state, queue and root task, by tenant.
SELECT workflow_run_id, state, definition, inputs, queue_name, task_id, context, progress_completed
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
