-- Registers a tenant's app; returns nothing when the tenant already has a live app of that publisher and name.
INSERT INTO hwe.marketplace_app
    (app_id, tenant_id, publisher, app_name, display_name, description, category, tags, visibility,
     icon_url, documentation_url, homepage_url)
VALUES
    (%(app_id)s, %(tenant_id)s, %(publisher)s, %(app_name)s, %(display_name)s, %(description)s, %(category)s,
     %(tags)s, %(visibility)s, %(icon_url)s, %(documentation_url)s, %(homepage_url)s)
ON CONFLICT (tenant_id, publisher, app_name) WHERE deleted_at IS NULL DO NOTHING
RETURNING app_id
