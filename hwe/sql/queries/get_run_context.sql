-- Reads what a query of a run needs: its state, pinned definition (declared variables), inputs, the
-- context its checkpoints projected (results under a result_key), and where its checkpoints are.
-- Scoped by tenant: another tenant's run is not found. Takes no lock.
SELECT state, definition, inputs, context, queue_name, task_id
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
