-- A page of a tenant's personal tokens, oldest first, optionally one person's, live ones only unless asked.
SELECT api_key_id AS token_id, key_prefix, name, description, user_email, status, created_at, created_by,
       expires_at, revoked_at, count(*) OVER () AS total
FROM hwe.admin_api_key
WHERE tenant_id = %(tenant_id)s AND user_email IS NOT NULL
  AND (%(user_email)s::text IS NULL OR user_email = %(user_email)s::text)
  AND (%(include_revoked)s OR revoked_at IS NULL)
ORDER BY created_at, api_key_id
LIMIT %(limit)s OFFSET %(offset)s
