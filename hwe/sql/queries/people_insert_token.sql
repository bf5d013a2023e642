-- Stores a person's new token: an API key owned by them, with only its prefix and the hash of its secret.
INSERT INTO hwe.api_key (tenant_id, prefix, key_hash, role, name, description, expires_at, created_by, user_email)
VALUES (%(tenant_id)s, %(prefix)s, %(key_hash)s, %(role)s, %(name)s, %(description)s, hwe.current_time() + make_interval(hours => %(hours)s), %(created_by)s,
        %(user_email)s)
RETURNING key_id
