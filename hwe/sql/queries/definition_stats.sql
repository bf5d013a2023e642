-- Counts a tenant's stored definitions: names, versions, deprecated versions, and the newest store time.
-- Takes no lock.
SELECT count(DISTINCT name) AS workflows,
       count(*) AS versions,
       count(*) FILTER (WHERE deprecated_at IS NOT NULL) AS deprecated_versions,
       max(created_at) AS last_stored_at
FROM hwe.workflow_definition
WHERE tenant_id = %(tenant_id)s
