-- One page of the public live apps that have a published version, with that version and their install count.
SELECT a.app_id, a.tenant_id, a.publisher, a.app_name, a.display_name, a.description, a.category, a.tags,
       a.visibility, a.icon_url, a.documentation_url, a.homepage_url, a.created_at, a.updated_at,
       latest.version AS latest_version,
       (SELECT count(*) FROM hwe.app_installation i WHERE i.app_id = a.app_id) AS install_count
FROM hwe.marketplace_app a
CROSS JOIN LATERAL (
    SELECT v.version FROM hwe.app_version v WHERE v.app_id = a.app_id AND v.state = 'published'
    ORDER BY v.version_key DESC LIMIT 1
) latest
WHERE a.visibility = 'public' AND a.deleted_at IS NULL
  AND (%(category)s::text IS NULL OR a.category = %(category)s)
  AND (%(search)s::text IS NULL
       OR position(lower(%(search)s) IN lower(a.app_name || ' ' || a.display_name || ' ' || a.description)) > 0)
ORDER BY a.category, a.publisher, a.app_name, a.app_id
LIMIT %(limit)s OFFSET %(offset)s
