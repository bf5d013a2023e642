-- Lists one page of a tenant's artifacts (metadata, never content) by id, after %(after)s (an id, or
-- NULL for the first page), through the primary key (run by artifacts.list_artifacts). Locks nothing.
SELECT artifact_id, size, created_at
FROM hwe.artifact
WHERE tenant_id = %(tenant_id)s AND (%(after)s::text IS NULL OR artifact_id > %(after)s::text)
ORDER BY artifact_id
LIMIT %(limit)s
