-- Revokes a pending invitation (open and not expired); any other matches no row (the caller says why).
UPDATE hwe.invitation SET revoked_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND invitation_id = %(invitation_id)s
  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > hwe.current_time()
RETURNING invitation_id
