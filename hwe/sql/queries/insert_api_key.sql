-- Stores a new API key: only its public prefix and the hash of its secret part.
INSERT INTO hwe.api_key (tenant_id, prefix, key_hash, role)
VALUES (%(tenant_id)s, %(prefix)s, %(key_hash)s, %(role)s)
RETURNING prefix, role, created_at
