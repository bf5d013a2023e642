-- Stores a definition as the next version of its name in the tenant (1 for a new name). The caller
-- holds the name's advisory lock (lock_definition_name), which other stores wait for; a run's submission
-- (create_run) does not take it, so it may commit the same content or the next version first: then
-- this inserts nothing and the caller reads again.
INSERT INTO hwe.workflow_definition (tenant_id, name, version, content_hash, definition)
SELECT %(tenant_id)s, %(name)s, coalesce(max(version), 0) + 1, %(content_hash)s, %(definition)s
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND name = %(name)s
ON CONFLICT DO NOTHING
RETURNING name, version, content_hash, definition, created_at, deprecated_at
