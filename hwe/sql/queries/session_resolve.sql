-- Finds a live session by the SHA-256 of its cookie, with who it acts as: a person (their highest role of now;
-- never while disabled) or an API key (the key's role, or its owner's for a personal token; only while the key
-- is live). Refreshes last_seen_at at most once a minute, so a busy console does not write on every request.
WITH live AS (
    SELECT s.session_digest, s.tenant_id, s.expires_at, t.queue_name,
           coalesce(s.user_email, k.user_email, '') AS user_email,
           coalesce(k.prefix, '') AS key_prefix,
           CASE
               WHEN s.user_email IS NOT NULL THEN hwe.highest_role(u.roles)
               ELSE coalesce(hwe.highest_role(o.roles), k.role)
           END AS role
    FROM hwe.user_session s
    JOIN hwe.tenant t ON t.tenant_id = s.tenant_id
    LEFT JOIN hwe.tenant_user u ON u.tenant_id = s.tenant_id AND u.email = s.user_email
    LEFT JOIN hwe.api_key k ON k.key_id = s.key_id
    LEFT JOIN hwe.tenant_user o ON o.tenant_id = k.tenant_id AND o.email = k.user_email
    WHERE s.session_digest = %(digest)s AND s.revoked_at IS NULL AND s.expires_at > hwe.current_time()
      AND (s.user_email IS NULL OR NOT u.disabled)
      AND (s.key_id IS NULL OR (
          k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > hwe.current_time())
          AND (k.user_email IS NULL OR NOT o.disabled)
      ))
), seen AS (
    UPDATE hwe.user_session s SET last_seen_at = hwe.current_time()
    FROM live
    WHERE s.session_digest = live.session_digest AND s.last_seen_at < hwe.current_time() - interval '1 minute'
)
SELECT tenant_id, expires_at, queue_name, user_email, key_prefix, role FROM live
