-- Reads one of a tenant's webhooks (no row for another tenant's).
SELECT webhook_id, url, event_types, description, state, disabled_reason, created_at, updated_at
FROM hwe.webhook
WHERE tenant_id = %(tenant_id)s AND webhook_id = %(webhook_id)s
