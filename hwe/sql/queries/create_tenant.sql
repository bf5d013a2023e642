-- Creates a tenant bound to a queue; an existing tenant is left unchanged.
INSERT INTO hwe.tenant (tenant_id, queue_name) VALUES (%(tenant_id)s, %(queue_name)s)
ON CONFLICT (tenant_id) DO NOTHING
