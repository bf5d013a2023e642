-- The installed version of a tenant's enabled installation of an app, by publisher and name, for its tools.
SELECT i.installation_id, i.publisher, i.app_name AS app, i.enabled, v.artifact_id, v.actions, v.version
FROM hwe.app_installation i
JOIN hwe.app_version v ON v.version_id = i.version_id
WHERE i.tenant_id = %(tenant_id)s AND i.publisher = %(publisher)s AND i.app_name = %(app)s
