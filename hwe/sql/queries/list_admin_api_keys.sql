-- Lists a tenant's API keys for its admins, oldest first: names, roles, dates and status, never a hash.
SELECT * FROM hwe.admin_api_key
WHERE tenant_id = %(tenant_id)s
ORDER BY created_at, api_key_id
