-- One of a tenant's machine API keys by id, as its admins see it; another tenant's id or a token's matches no row.
SELECT * FROM hwe.admin_api_key
WHERE tenant_id = %(tenant_id)s AND user_email IS NULL AND api_key_id = %(api_key_id)s
