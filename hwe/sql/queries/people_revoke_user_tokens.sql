-- Revokes every live token of one person of a tenant.
UPDATE hwe.api_key SET revoked_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND user_email = %(email)s AND revoked_at IS NULL
RETURNING prefix
