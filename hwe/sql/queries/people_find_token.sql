-- One of a tenant's personal tokens by id; a machine key's id or another tenant's matches no row.
SELECT api_key_id AS token_id, key_prefix, name, description, user_email, status, created_at, created_by,
       expires_at, revoked_at
FROM hwe.admin_api_key
WHERE tenant_id = %(tenant_id)s AND api_key_id = %(token_id)s AND user_email IS NOT NULL
