-- Forgets every idempotency key of a tenant (run by idempotency.reset_idempotency_keys): its stored
-- answers of management requests, and the keys its submitted runs hold (the runs are kept). Other
-- tenants' keys are untouched, and so is the key of the reset request itself (%(own_operation)s,
-- %(own_digest)s; NULL without one), whose answer the caller stores so that a repeat answers it.
WITH requests AS (
    DELETE FROM hwe.idempotent_request
    WHERE tenant_id = %(tenant_id)s
      AND NOT (operation IS NOT DISTINCT FROM %(own_operation)s::text
               AND key_digest IS NOT DISTINCT FROM %(own_digest)s::text)
    RETURNING 1
), submissions AS (
    UPDATE hwe.workflow_run SET idempotency_key = NULL, request_hash = NULL
    WHERE tenant_id = %(tenant_id)s AND idempotency_key IS NOT NULL
    RETURNING 1
)
SELECT (SELECT count(*) FROM requests)::integer AS requests,
       (SELECT count(*) FROM submissions)::integer AS submissions
