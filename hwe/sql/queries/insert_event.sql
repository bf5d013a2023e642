-- Stores an event owned by a workflow run; hwe.require_run_id raises HW003 for a NULL owner. The
-- first emit of a name by a run wins; a repeat by the same run changes nothing.
INSERT INTO {events} (workflow_run_id, tenant_id, event_name, payload, emitted_at)
VALUES (hwe.require_run_id(%(workflow_run_id)s), %(tenant_id)s, %(event_name)s, %(payload)s, hwe.current_time())
ON CONFLICT (workflow_run_id, event_name) DO NOTHING
RETURNING emitted_at
