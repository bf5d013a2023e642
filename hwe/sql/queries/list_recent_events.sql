-- Lists a tenant's newest audit records (the append-only event_log) in a time window, optionally of one run
-- and one type, without their detail. Served by event_log_tenant_time_idx on the window, newest first, cut
-- by limit. Reads only; takes no locks.
SELECT event_id, workflow_run_id, event_type, run_id, created_at
FROM hwe.event_log
WHERE tenant_id = %(tenant_id)s AND created_at >= %(since)s AND created_at < %(until)s
  AND (%(workflow_run_id)s::uuid IS NULL OR workflow_run_id = %(workflow_run_id)s::uuid)
  AND (%(event_type)s::text IS NULL OR event_type = %(event_type)s::text)
ORDER BY created_at DESC, event_id DESC
LIMIT %(limit)s
