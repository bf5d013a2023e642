-- Marks one of a tenant's webhooks as changed (its secret was rotated); no row for another tenant's.
UPDATE hwe.webhook SET updated_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND webhook_id = %(webhook_id)s
RETURNING webhook_id, url, event_types, description, state, disabled_reason, created_at, updated_at
