-- Reads the wait of an approval that is not decided yet: when it was requested and when it times out
-- (run by approvals.get_approval after it found no decision). Reads only.
SELECT created_at AS requested_at, timeout_at
FROM {waits}
WHERE tenant_id = %(tenant_id)s AND workflow_run_id = %(workflow_run_id)s AND event_name = %(event_name)s
ORDER BY created_at
LIMIT 1
