-- Lists a tenant's stored definitions (without their JSON), by name, then newest version first;
-- optionally only one name; one page of `limit` from `offset`. Takes no lock.
SELECT name, version, content_hash, created_at, deprecated_at
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s AND (%(name)s::text IS NULL OR name = %(name)s::text)
ORDER BY name, version DESC
LIMIT %(limit)s OFFSET %(offset)s
