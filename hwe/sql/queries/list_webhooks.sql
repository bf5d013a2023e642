-- Lists a tenant's webhooks, oldest first.
SELECT webhook_id, url, event_types, description, state, disabled_reason, created_at, updated_at
FROM hwe.webhook
WHERE tenant_id = %(tenant_id)s
ORDER BY created_at, webhook_id
