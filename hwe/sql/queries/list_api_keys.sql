-- Lists a tenant's API keys, oldest first: public prefix, role and dates only, never the hash.
SELECT prefix, role, created_at, revoked_at
FROM hwe.api_key
WHERE tenant_id = %(tenant_id)s
ORDER BY created_at, prefix
