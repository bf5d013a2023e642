-- Moves one of a tenant's installations to another version of its app.
UPDATE hwe.app_installation SET version_id = %(version_id)s, updated_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND installation_id = %(installation_id)s
