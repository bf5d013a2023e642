-- The unfinished child runs of a run, to cancel them with their parent.
SELECT workflow_run_id
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s AND parent_run_id = %(parent_run_id)s
  AND state NOT IN ('completed', 'failed', 'cancelled')
ORDER BY workflow_run_id
