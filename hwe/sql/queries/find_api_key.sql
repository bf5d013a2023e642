-- Finds a live (not revoked, not expired) API key by its public prefix, with its tenant's queue. A person's token
-- acts with its owner's highest role of now, and not at all while the owner is disabled.
SELECT k.tenant_id, k.key_hash, coalesce(hwe.highest_role(u.roles), k.role) AS role, t.queue_name,
       coalesce(k.user_email, '') AS user_email
FROM hwe.api_key k
JOIN hwe.tenant t USING (tenant_id)
LEFT JOIN hwe.tenant_user u ON u.tenant_id = k.tenant_id AND u.email = k.user_email
WHERE k.prefix = %(prefix)s AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > hwe.current_time())
  AND (k.user_email IS NULL OR NOT u.disabled)
