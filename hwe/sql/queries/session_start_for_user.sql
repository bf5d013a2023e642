-- Opens a console session for a person of a tenant: stores only the SHA-256 of the cookie's value. Locks nothing
-- (the caller holds the person's row from `sign_in_find_accounts`).
INSERT INTO hwe.user_session (session_digest, tenant_id, user_email, expires_at)
VALUES (%(digest)s, %(tenant_id)s, %(email)s, hwe.current_time() + make_interval(secs => %(ttl_seconds)s))
RETURNING expires_at
