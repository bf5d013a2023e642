-- One of a tenant's installations, with its app's names and its version's schema and required secrets.
SELECT i.installation_id, i.app_id, i.version_id, v.version, v.state AS version_state, i.publisher, i.app_name,
       a.display_name, a.category, CASE WHEN i.enabled THEN 'enabled' ELSE 'disabled' END AS status,
       i.installed_at, i.updated_at, i.configuration, v.configuration_schema, v.required_secrets, v.version_key
FROM hwe.app_installation i
JOIN hwe.marketplace_app a ON a.app_id = i.app_id
JOIN hwe.app_version v ON v.version_id = i.version_id
WHERE i.tenant_id = %(tenant_id)s AND i.installation_id = %(installation_id)s
