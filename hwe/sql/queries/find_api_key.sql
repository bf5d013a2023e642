-- Finds a live (not revoked, not expired) API key by its public prefix, with its tenant's queue.
SELECT k.tenant_id, k.key_hash, k.role, t.queue_name
FROM hwe.api_key k
JOIN hwe.tenant t USING (tenant_id)
WHERE k.prefix = %(prefix)s AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > hwe.current_time())
