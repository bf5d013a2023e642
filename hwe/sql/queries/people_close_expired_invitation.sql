-- Closes a person's open invitation that has expired, so a new one may be sent: it reads as revoked at its expiry.
UPDATE hwe.invitation SET revoked_at = expires_at
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= hwe.current_time()
