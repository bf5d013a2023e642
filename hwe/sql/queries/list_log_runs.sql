-- One page of the tenant's runs, newest first (keyset on created_at, workflow_run_id, like the run listing),
-- filtered by name, state and creation time; their log summaries are read separately. Locks nothing.
SELECT workflow_run_id, workflow_name, state, parent_run_id, error, created_at, started_at, finished_at
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s
  AND (%(workflow_name)s::text IS NULL OR workflow_name = %(workflow_name)s)
  AND (%(state)s::text IS NULL OR state = %(state)s)
  AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR created_at < %(until)s)
  AND (%(after_created_at)s::timestamptz IS NULL
       OR (created_at, workflow_run_id) < (%(after_created_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY created_at DESC, workflow_run_id DESC
LIMIT %(limit)s
