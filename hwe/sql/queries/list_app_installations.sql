-- One page of a tenant's installations, by publisher and app name; status and category filters may be NULL.
SELECT i.installation_id, i.app_id, i.version_id, v.version, v.state AS version_state, i.publisher, i.app_name,
       a.display_name, a.category, CASE WHEN i.enabled THEN 'enabled' ELSE 'disabled' END AS status,
       i.installed_at, i.updated_at
FROM hwe.app_installation i
JOIN hwe.marketplace_app a ON a.app_id = i.app_id
JOIN hwe.app_version v ON v.version_id = i.version_id
WHERE i.tenant_id = %(tenant_id)s
  AND (%(status)s::text IS NULL OR i.enabled = (%(status)s = 'enabled'))
  AND (%(category)s::text IS NULL OR a.category = %(category)s)
ORDER BY i.publisher, i.app_name
LIMIT %(limit)s OFFSET %(offset)s
