-- Reads the state and outcome of child runs by id, only the tenant's (a retried run's copied
-- steps name the children its original run started, so the parent is not part of the filter).
SELECT workflow_run_id, state, result, error, queue_name, task_id
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s
  AND workflow_run_id = ANY(%(workflow_run_ids)s::uuid[])
