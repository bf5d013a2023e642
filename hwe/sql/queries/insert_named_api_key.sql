-- Stores a new named API key: only its public prefix and the hash of its secret part. No row when a live key of
-- the tenant already has that name.
INSERT INTO hwe.api_key (tenant_id, prefix, key_hash, role, name, description, expires_at, created_by)
VALUES (%(tenant_id)s, %(prefix)s, %(key_hash)s, %(role)s, %(name)s, %(description)s, %(expires_at)s, %(created_by)s)
ON CONFLICT DO NOTHING
RETURNING key_id
