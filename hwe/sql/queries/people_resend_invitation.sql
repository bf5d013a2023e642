-- Gives an open invitation a new one-time token and a new expiry; the old token stops working.
UPDATE hwe.invitation
SET token_hash = %(token_hash)s,
    expires_at = hwe.current_time() + make_interval(secs => %(ttl_seconds)s),
    sent_count = sent_count + 1,
    last_sent_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND invitation_id = %(invitation_id)s AND accepted_at IS NULL AND revoked_at IS NULL
RETURNING invitation_id
