-- Stores a new invitation with the keyed hash of its one-time token; no row while the person has an open one.
INSERT INTO hwe.invitation (tenant_id, email, roles, message, token_hash, invited_by, expires_at)
VALUES (%(tenant_id)s, %(email)s, %(roles)s, %(message)s, %(token_hash)s, %(invited_by)s,
        hwe.current_time() + make_interval(secs => %(ttl_seconds)s))
ON CONFLICT DO NOTHING
RETURNING invitation_id
