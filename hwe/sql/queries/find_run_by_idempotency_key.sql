-- Reads the run a tenant already created with this idempotency key, and the hash of that request.
SELECT workflow_run_id, request_hash
FROM hwe.workflow_run
WHERE tenant_id = %(tenant_id)s AND idempotency_key = %(idempotency_key)s
