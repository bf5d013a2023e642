-- Stores an event owned by a workflow run; hwe.require_run_id raises HW003 for a NULL owner. Every emit
-- is kept, numbered by event_seq (the order its waiters take it in), even a repeat of a name by one run.
INSERT INTO {events} (workflow_run_id, tenant_id, event_name, payload, emitted_at)
VALUES (hwe.require_run_id(%(workflow_run_id)s), %(tenant_id)s, %(event_name)s, %(payload)s, hwe.current_time())
RETURNING event_seq, emitted_at
