-- Finds a tenant's stored definition by the SHA-256 of its canonical JSON. Takes no lock.
SELECT name, version, content_hash, definition, created_at, deprecated_at
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND content_hash = %(content_hash)s
