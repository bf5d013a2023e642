-- Lists one page of the stored versions of one definition name in a tenant, newest first, with their
-- JSON (the input schema is read from it). Takes no lock.
SELECT name, version, content_hash, definition, created_at, deprecated_at
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND name = %(name)s
ORDER BY version DESC
LIMIT %(limit)s OFFSET %(offset)s
