-- Lists a tenant's machine API keys (a person's tokens are listed by people_list_tokens) for its admins, oldest first:
-- names, roles, dates and status, never a hash.
SELECT * FROM hwe.admin_api_key
WHERE tenant_id = %(tenant_id)s AND user_email IS NULL
ORDER BY created_at, api_key_id
