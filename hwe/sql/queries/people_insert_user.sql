-- Adds a person to a tenant; no row when the tenant already has that email.
INSERT INTO hwe.tenant_user (tenant_id, email, display_name, roles, password_hash, created_by)
VALUES (%(tenant_id)s, %(email)s, %(display_name)s, %(roles)s, %(password_hash)s, %(created_by)s)
ON CONFLICT DO NOTHING
RETURNING email
