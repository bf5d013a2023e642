-- The actions of a tenant's enabled installations, with their installed version, for the tool list.
SELECT i.installation_id, i.app_id, i.publisher, i.app_name, v.version, v.actions
FROM hwe.app_installation i
JOIN hwe.app_version v ON v.version_id = i.version_id
WHERE i.tenant_id = %(tenant_id)s AND i.enabled
ORDER BY i.publisher, i.app_name
LIMIT 1000
