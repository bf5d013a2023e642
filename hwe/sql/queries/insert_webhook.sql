-- Creates a tenant's webhook subscription (its signing secret is stored in the secret provider, not here).
INSERT INTO hwe.webhook (webhook_id, tenant_id, url, event_types, description)
VALUES (%(webhook_id)s, %(tenant_id)s, %(url)s, %(event_types)s, %(description)s)
RETURNING webhook_id, url, event_types, description, state, disabled_reason, created_at, updated_at
