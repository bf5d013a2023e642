-- Revokes one of a tenant's API keys (a key revoked before keeps its first revocation time).
-- Scoped by tenant: another tenant's prefix matches no row. Locks that one api_key row.
UPDATE hwe.api_key SET revoked_at = coalesce(revoked_at, hwe.current_time())
WHERE tenant_id = %(tenant_id)s AND prefix = %(prefix)s
RETURNING prefix, role, created_at, revoked_at
