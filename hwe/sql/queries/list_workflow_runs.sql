-- Lists a tenant's runs newest first, one page at a time: keyset pagination on
-- (created_at, workflow_run_id), so runs inserted while a client pages land before its first page and
-- never shift later ones. Each filter is optional (NULL: no filter). Reads only; takes no locks.
SELECT workflow_run_id, workflow_name, workflow_version, state, current_step, progress_completed,
       progress_total, parent_run_id, created_at, started_at, finished_at, updated_at
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s
  AND (%(state)s::text IS NULL OR state = %(state)s::text)
  AND (%(workflow_name)s::text IS NULL OR workflow_name = %(workflow_name)s::text)
  AND (%(created_after)s::timestamptz IS NULL OR created_at > %(created_after)s::timestamptz)
  AND (%(created_before)s::timestamptz IS NULL OR created_at < %(created_before)s::timestamptz)
  AND (%(cursor_created_at)s::timestamptz IS NULL
       OR (created_at, workflow_run_id) < (%(cursor_created_at)s::timestamptz, %(cursor_run_id)s::uuid))
ORDER BY created_at DESC, workflow_run_id DESC
LIMIT %(limit)s
