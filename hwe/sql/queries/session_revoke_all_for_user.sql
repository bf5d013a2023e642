-- Revokes every open session of a person in a tenant; returns one row per session revoked.
UPDATE hwe.user_session SET revoked_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND user_email = %(email)s AND revoked_at IS NULL
  AND expires_at > hwe.current_time()
RETURNING 1 AS revoked
