-- Adds the invited person to the tenant with the invitation's roles and their chosen password; a person an admin
-- added already keeps their roles and gains the invitation's.
INSERT INTO hwe.tenant_user AS u (tenant_id, email, roles, display_name, password_hash, created_by)
VALUES (%(tenant_id)s, %(email)s, %(roles)s, %(display_name)s, %(password_hash)s, %(created_by)s)
ON CONFLICT (tenant_id, email) DO UPDATE
SET roles = ARRAY(SELECT DISTINCT unnest(u.roles || EXCLUDED.roles) ORDER BY 1),
    password_hash = EXCLUDED.password_hash,
    display_name = CASE WHEN EXCLUDED.display_name = '' THEN u.display_name ELSE EXCLUDED.display_name END,
    updated_at = hwe.current_time()
RETURNING roles, hwe.highest_role(roles) AS role
