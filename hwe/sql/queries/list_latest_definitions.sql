-- Lists the latest stored version of each of a tenant's definition names (deprecated versions count
-- only when every version of the name is), with the name's version count, by name; one page of
-- `limit` from `offset`. Takes no lock.
SELECT DISTINCT ON (name)
       name, version, content_hash, definition, created_at, deprecated_at,
       count(*) OVER (PARTITION BY name) AS versions
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s
ORDER BY name, deprecated_at IS NOT NULL, version DESC
LIMIT %(limit)s OFFSET %(offset)s
