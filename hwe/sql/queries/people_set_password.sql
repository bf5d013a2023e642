-- Stores a person's new argon2id password hash.
UPDATE hwe.tenant_user
SET password_hash = %(password_hash)s, updated_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
RETURNING email
