-- Replaces the configuration of one of a tenant's installations.
UPDATE hwe.app_installation SET configuration = %(configuration)s, updated_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND installation_id = %(installation_id)s
