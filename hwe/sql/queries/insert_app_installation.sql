-- Installs a version of an app for a tenant; returns nothing when the tenant has an app of that name installed.
INSERT INTO hwe.app_installation (installation_id, tenant_id, app_id, version_id, publisher, app_name, configuration)
VALUES (%(installation_id)s, %(tenant_id)s, %(app_id)s, %(version_id)s, %(publisher)s, %(app_name)s,
        %(configuration)s)
ON CONFLICT (tenant_id, publisher, app_name) DO NOTHING
RETURNING installation_id
