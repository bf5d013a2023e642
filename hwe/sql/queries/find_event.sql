-- Finds the earliest event of this name in the tenant (buffered events wait here for late waiters).
SELECT workflow_run_id, payload, emitted_at
FROM {events}
WHERE tenant_id = %(tenant_id)s AND event_name = %(event_name)s
ORDER BY emitted_at, workflow_run_id
LIMIT 1
