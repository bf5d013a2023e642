-- Uninstalls one of a tenant's apps; returns it when it was installed.
DELETE FROM hwe.app
WHERE tenant_id = %(tenant_id)s AND publisher = %(publisher)s AND app = %(app)s
RETURNING app
