-- Reads one stored definition of a tenant by name and version; a NULL version reads the latest version
-- that is not deprecated. Takes no lock: stored definitions never change but for their deprecation.
SELECT name, version, content_hash, definition, created_at, deprecated_at
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND name = %(name)s
  AND (version = %(version)s::integer OR (%(version)s::integer IS NULL AND deprecated_at IS NULL))
ORDER BY version DESC
LIMIT 1
