-- Revokes one session by the SHA-256 of its cookie (a revoked or unknown one is left as it is).
UPDATE hwe.user_session SET revoked_at = hwe.current_time()
WHERE session_digest = %(digest)s AND revoked_at IS NULL
