-- Creates a tenant bound to its queue; returns no row when the tenant id is taken.
INSERT INTO hwe.tenant (tenant_id, queue_name) VALUES (%(tenant_id)s, %(queue_name)s)
ON CONFLICT (tenant_id) DO NOTHING
RETURNING tenant_id, queue_name, created_at
