-- Deletes one of a tenant's webhooks; its deliveries go with it (ON DELETE CASCADE), sent or not.
DELETE FROM hwe.webhook
WHERE tenant_id = %(tenant_id)s AND webhook_id = %(webhook_id)s
RETURNING webhook_id
