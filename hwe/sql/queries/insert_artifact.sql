-- Stores a tenant's artifact under its content hash; storing the same content again changes nothing.
INSERT INTO hwe.artifact (tenant_id, artifact_id, content, size)
VALUES (%(tenant_id)s, %(artifact_id)s, %(content)s, %(size)s)
ON CONFLICT (tenant_id, artifact_id) DO NOTHING
