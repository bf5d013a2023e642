-- Claims an idempotency key for one management request of a tenant, in the caller's transaction.
-- A concurrent claim of the same key waits on the primary key until this transaction ends; it then
-- inserts nothing (committed: the caller reads the stored response) or claims the key (rolled back).
INSERT INTO hwe.idempotent_request (tenant_id, operation, key_digest, request_hash)
VALUES (%(tenant_id)s, %(operation)s, %(key_digest)s, %(request_hash)s)
ON CONFLICT (tenant_id, operation, key_digest) DO NOTHING
RETURNING key_digest
