-- Locks one of a tenant's API keys for a rotation, and reads what the new key inherits from it.
SELECT key_id, prefix, role, name, description, expires_at, revoked_at
FROM hwe.api_key
WHERE tenant_id = %(tenant_id)s AND key_id = %(api_key_id)s AND user_email IS NULL
FOR UPDATE
