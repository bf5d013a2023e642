-- Reads the request hash and stored response of an idempotency key that was already claimed.
SELECT request_hash, response
FROM hwe.idempotent_request
WHERE tenant_id = %(tenant_id)s AND operation = %(operation)s AND key_digest = %(key_digest)s
