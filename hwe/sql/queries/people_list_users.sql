-- A page of a tenant's people, by email, optionally only those holding a role, with the count of all that match.
SELECT tenant_id, email, display_name, roles, hwe.highest_role(roles) AS role, NOT disabled AS is_active,
       password_hash IS NOT NULL AS has_password, created_at, updated_at, last_sign_in_at AS last_login, created_by,
       count(*) OVER () AS total
FROM hwe.tenant_user
WHERE tenant_id = %(tenant_id)s AND (%(role)s::text IS NULL OR %(role)s::text = ANY (roles))
ORDER BY email
LIMIT %(limit)s OFFSET %(offset)s
