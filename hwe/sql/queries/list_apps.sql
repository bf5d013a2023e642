-- Lists a tenant's apps by publisher and name.
SELECT publisher, app, artifact_id, actions, installed_at
FROM hwe.app
WHERE tenant_id = %(tenant_id)s
ORDER BY publisher, app
