-- Reads the audit records `hwe audit export` prints from PostgreSQL, oldest first (created_at, then event_id),
-- every tenant's; each filter is optional (NULL: no filter), since and until inclusive. Reads only; no locks.
SELECT event_id, workflow_run_id, tenant_id, event_type, run_id, detail, created_at
FROM hwe.event_log
WHERE (%(workflow_run_id)s::uuid IS NULL OR workflow_run_id = %(workflow_run_id)s::uuid)
  AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s::timestamptz)
  AND (%(until)s::timestamptz IS NULL OR created_at <= %(until)s::timestamptz)
ORDER BY created_at, event_id
