-- Lists the events a run owns (emitted by its steps or posted to it through the API) and the event
-- waits it has registered and not yet seen end, oldest first. Read-only; takes no lock.
SELECT 'emitted' AS kind, event_name, payload, emitted_at AS at, NULL::timestamptz AS timeout_at
FROM {events}
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
UNION ALL
SELECT 'waiting', event_name, NULL, created_at, timeout_at
FROM {waits}
WHERE task_id = %(task_id)s
ORDER BY at, event_name
