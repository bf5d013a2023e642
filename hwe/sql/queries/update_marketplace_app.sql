-- Changes the given fields of one of a tenant's own live apps (a NULL parameter keeps the field).
UPDATE hwe.marketplace_app SET
    display_name = coalesce(%(display_name)s, display_name),
    description = coalesce(%(description)s, description),
    category = coalesce(%(category)s, category),
    tags = coalesce(%(tags)s, tags),
    visibility = coalesce(%(visibility)s, visibility),
    icon_url = CASE WHEN %(set_icon_url)s THEN %(icon_url)s ELSE icon_url END,
    documentation_url = CASE WHEN %(set_documentation_url)s THEN %(documentation_url)s ELSE documentation_url END,
    homepage_url = CASE WHEN %(set_homepage_url)s THEN %(homepage_url)s ELSE homepage_url END,
    updated_at = hwe.current_time()
WHERE app_id = %(app_id)s AND tenant_id = %(tenant_id)s AND deleted_at IS NULL
RETURNING app_id
