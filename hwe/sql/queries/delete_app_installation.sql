-- Uninstalls one of a tenant's installations (its secret names and its log go with it).
DELETE FROM hwe.app_installation
WHERE tenant_id = %(tenant_id)s AND installation_id = %(installation_id)s
RETURNING installation_id
