-- Reads a finished run that has a parent, to tell the parent how it ended. No row for a run
-- without a parent, or one that has not finished.
SELECT workflow_run_id, parent_run_id, tenant_id, queue_name, state, result, error
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s
  AND parent_run_id IS NOT NULL
  AND state IN ('completed', 'failed', 'cancelled')
