-- Stores a definition as the next version of its name in the tenant (1 for a new name). The caller
-- holds the name's advisory lock (lock_definition_name), so the next version is not taken meanwhile;
-- the same content stored under the same tenant conflicts on content_hash and inserts nothing.
INSERT INTO hwe.workflow_definition (tenant_id, name, version, content_hash, definition)
SELECT %(tenant_id)s, %(name)s, coalesce(max(version), 0) + 1, %(content_hash)s, %(definition)s
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND name = %(name)s
ON CONFLICT (tenant_id, content_hash) DO NOTHING
RETURNING name, version, content_hash, definition, created_at, deprecated_at
