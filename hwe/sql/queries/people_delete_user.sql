-- Removes a person from a tenant; their personal tokens and sessions go with them (ON DELETE CASCADE).
DELETE FROM hwe.tenant_user
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
RETURNING email
