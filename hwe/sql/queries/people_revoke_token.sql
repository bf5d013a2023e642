-- Revokes one of a tenant's live personal tokens; a revoked one matches no row (the caller says why).
UPDATE hwe.api_key SET revoked_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND key_id = %(token_id)s AND user_email IS NOT NULL AND revoked_at IS NULL
RETURNING prefix
