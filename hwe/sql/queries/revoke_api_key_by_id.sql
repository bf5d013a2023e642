-- Revokes one of a tenant's live API keys by id; a key revoked before matches no row (the caller says why).
UPDATE hwe.api_key SET revoked_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND key_id = %(api_key_id)s AND user_email IS NULL AND revoked_at IS NULL
RETURNING key_id, prefix
