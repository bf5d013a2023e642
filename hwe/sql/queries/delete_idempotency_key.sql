-- Forgets one idempotency key of a tenant, for every kind of request (run by
-- idempotency.delete_idempotency_key): the stored answers of management requests, kept under the
-- key's SHA-256 digest in hwe.idempotent_request, and the run a submission created with the key,
-- which is kept but no longer holds it. The next request with the key is a first one again.
WITH requests AS (
    DELETE FROM hwe.idempotent_request
    WHERE tenant_id = %(tenant_id)s AND key_digest = %(key_digest)s
    RETURNING 1
), submissions AS (
    UPDATE hwe.workflow_run SET idempotency_key = NULL, request_hash = NULL
    WHERE tenant_id = %(tenant_id)s AND idempotency_key = %(idempotency_key)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM requests)::integer AS requests,
       (SELECT count(*) FROM submissions)::integer AS submissions
