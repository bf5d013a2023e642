-- Registers a step's wait for an event of its tenant; the timeout counts from the first registration.
INSERT INTO {waits} (task_id, step_name, position, run_id, workflow_run_id, tenant_id, event_name, timeout_at,
                     created_at)
VALUES (%(task_id)s, %(step_name)s, %(position)s, %(run_id)s, hwe.require_run_id(%(workflow_run_id)s),
        %(tenant_id)s, %(event_name)s,
        hwe.current_time() + make_interval(secs => %(timeout_seconds)s::float8), hwe.current_time())
ON CONFLICT (task_id, step_name) DO UPDATE SET run_id = excluded.run_id
RETURNING timeout_at
