-- Opens a console session that acts as a live API key (found by its public prefix); it ends when the key expires,
-- if that comes before the session's own expiry. Inserts nothing when the key is no longer live.
INSERT INTO hwe.user_session (session_digest, tenant_id, key_id, expires_at)
SELECT %(digest)s, k.tenant_id, k.key_id,
       least(hwe.current_time() + make_interval(secs => %(ttl_seconds)s), coalesce(k.expires_at, 'infinity'))
FROM hwe.api_key k
WHERE k.prefix = %(prefix)s AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > hwe.current_time())
RETURNING expires_at
