-- Counts a tenant's audit records (the append-only event_log) in a time window by event type, optionally of
-- one run and one type, the most frequent first, with the first and last time of each. Served by
-- event_log_tenant_time_idx on the window (partitions outside it are pruned). Reads only; takes no locks.
SELECT event_type, count(*) AS n, min(created_at) AS first_at, max(created_at) AS last_at
FROM hwe.event_log
WHERE tenant_id = %(tenant_id)s AND created_at >= %(since)s AND created_at < %(until)s
  AND (%(workflow_run_id)s::uuid IS NULL OR workflow_run_id = %(workflow_run_id)s::uuid)
  AND (%(event_type)s::text IS NULL OR event_type = %(event_type)s::text)
GROUP BY event_type
ORDER BY count(*) DESC, event_type
LIMIT %(limit)s
