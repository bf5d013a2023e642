-- The tenants, oldest first.
SELECT tenant_id FROM hwe.tenant ORDER BY created_at, tenant_id
