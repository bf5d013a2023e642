-- Copies an app's artifact from its owner to an installing tenant (same content, same id); a copy there stays.
INSERT INTO hwe.artifact (tenant_id, artifact_id, content, size)
SELECT %(tenant_id)s, a.artifact_id, a.content, a.size
FROM hwe.artifact a
JOIN hwe.marketplace_app m ON m.tenant_id = a.tenant_id
WHERE m.app_id = %(app_id)s AND a.artifact_id = %(artifact_id)s
ON CONFLICT (tenant_id, artifact_id) DO NOTHING
