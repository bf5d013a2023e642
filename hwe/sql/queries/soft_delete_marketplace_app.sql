-- Soft-deletes one of a tenant's own live apps: it leaves every list and can no longer be installed.
UPDATE hwe.marketplace_app SET deleted_at = hwe.current_time(), updated_at = hwe.current_time()
WHERE app_id = %(app_id)s AND tenant_id = %(tenant_id)s AND deleted_at IS NULL
RETURNING app_id
