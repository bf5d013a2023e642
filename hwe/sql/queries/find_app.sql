-- Reads one of a tenant's apps (another tenant's app is not found).
SELECT publisher, app, artifact_id, actions, installed_at
FROM hwe.app
WHERE tenant_id = %(tenant_id)s AND publisher = %(publisher)s AND app = %(app)s
