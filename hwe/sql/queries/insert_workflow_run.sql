-- Creates a workflow run. With an idempotency key already used by the tenant, nothing is inserted
-- and no row is returned; the caller then reads the existing run (find_run_by_idempotency_key).
INSERT INTO hwe.workflow_run (
    workflow_run_id, tenant_id, workflow_name, workflow_version, definition, inputs,
    idempotency_key, request_hash, queue_name, task_id, progress_total, parent_run_id, deadline_at, deadline_action
) VALUES (
    %(workflow_run_id)s, %(tenant_id)s, %(workflow_name)s, %(workflow_version)s, %(definition)s, %(inputs)s,
    %(idempotency_key)s, %(request_hash)s, %(queue_name)s, %(task_id)s, %(progress_total)s, %(parent_run_id)s,
    hwe.current_time() + make_interval(secs => %(deadline_seconds)s::float8), %(deadline_action)s
)
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
RETURNING workflow_run_id
