-- Tells whether a task of the approval's run waits for its decision (`approval:<key>`). Runs under
-- lock_event_name, so the wait cannot be registered or taken meanwhile. Reads only.
SELECT 1 AS waiting
FROM {waits}
WHERE tenant_id = %(tenant_id)s AND workflow_run_id = %(workflow_run_id)s AND event_name = %(event_name)s
LIMIT 1
