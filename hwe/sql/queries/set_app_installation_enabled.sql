-- Enables or disables one of a tenant's installations; returns nothing when it already was so.
UPDATE hwe.app_installation SET enabled = %(enabled)s, updated_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND installation_id = %(installation_id)s AND enabled <> %(enabled)s
RETURNING installation_id
