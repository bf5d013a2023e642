-- One of a tenant's API keys by id, as its admins see it; another tenant's id matches no row.
SELECT * FROM hwe.admin_api_key
WHERE tenant_id = %(tenant_id)s AND api_key_id = %(api_key_id)s
