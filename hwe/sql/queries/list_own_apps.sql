-- One page of a tenant's own live apps, by publisher and name, with their newest published version.
SELECT a.app_id, a.tenant_id, a.publisher, a.app_name, a.display_name, a.description, a.category, a.tags,
       a.visibility, a.icon_url, a.documentation_url, a.homepage_url, a.created_at, a.updated_at,
       (SELECT v.version FROM hwe.app_version v WHERE v.app_id = a.app_id AND v.state = 'published'
        ORDER BY v.version_key DESC LIMIT 1) AS latest_version
FROM hwe.marketplace_app a
WHERE a.tenant_id = %(tenant_id)s AND a.deleted_at IS NULL
  AND (%(category)s::text IS NULL OR a.category = %(category)s)
  AND (%(visibility)s::text IS NULL OR a.visibility = %(visibility)s)
  AND (%(search)s::text IS NULL
       OR position(lower(%(search)s) IN lower(a.app_name || ' ' || a.display_name || ' ' || a.description)) > 0)
ORDER BY a.publisher, a.app_name, a.app_id
LIMIT %(limit)s OFFSET %(offset)s
