-- Lists one page of a tenant's runs of one stored definition (by its content hash) created in the last
-- `days`, newest first, with what the executions grid shows of each. Uses workflow_run_definition_idx.
-- Takes no lock.
SELECT workflow_run_id, state, queue_name, task_id, created_at, started_at, finished_at
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s AND definition_hash = %(definition_hash)s
  AND created_at >= hwe.current_time() - make_interval(days => %(days)s::integer)
ORDER BY created_at DESC, workflow_run_id DESC
LIMIT %(limit)s OFFSET %(offset)s
