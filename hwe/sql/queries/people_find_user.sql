-- One person of a tenant, as its admins see them: never the password hash, only whether one is set.
SELECT tenant_id, email, display_name, roles, hwe.highest_role(roles) AS role, NOT disabled AS is_active,
       password_hash IS NOT NULL AS has_password, created_at, updated_at, last_sign_in_at AS last_login, created_by
FROM hwe.tenant_user
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
