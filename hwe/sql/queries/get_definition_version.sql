-- Reads one stored definition of a tenant by name and version; a NULL version reads the latest.
-- Takes no lock: stored definitions never change.
SELECT name, version, content_hash, definition, created_at
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND name = %(name)s
  AND (%(version)s::integer IS NULL OR version = %(version)s::integer)
ORDER BY version DESC
LIMIT 1
