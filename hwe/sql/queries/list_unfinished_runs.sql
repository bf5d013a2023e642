-- Which of these runs of the tenant have not finished yet (a parent's join reads its children's).
SELECT workflow_run_id
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s
  AND workflow_run_id = ANY(%(workflow_run_ids)s::uuid[])
  AND state NOT IN ('completed', 'failed', 'cancelled')
