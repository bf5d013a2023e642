-- One live app a tenant can see: its own, or a public one; with its newest published version.
SELECT a.app_id, a.tenant_id, a.publisher, a.app_name, a.display_name, a.description, a.category, a.tags,
       a.visibility, a.icon_url, a.documentation_url, a.homepage_url, a.created_at, a.updated_at,
       (SELECT v.version FROM hwe.app_version v WHERE v.app_id = a.app_id AND v.state = 'published'
        ORDER BY v.version_key DESC LIMIT 1) AS latest_version
FROM hwe.marketplace_app a
WHERE a.app_id = %(app_id)s AND a.deleted_at IS NULL AND (a.tenant_id = %(tenant_id)s OR a.visibility = 'public')
