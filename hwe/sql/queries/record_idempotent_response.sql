-- Stores the response of a request whose idempotency key this transaction claimed (never a key secret).
UPDATE hwe.idempotent_request SET response = %(response)s
WHERE tenant_id = %(tenant_id)s AND operation = %(operation)s AND key_digest = %(key_digest)s
