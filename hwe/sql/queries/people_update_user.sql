-- Changes what an admin may change of a person: roles, display name, whether they are disabled (NULL: unchanged).
UPDATE hwe.tenant_user
SET roles = coalesce(%(roles)s, roles),
    display_name = coalesce(%(display_name)s, display_name),
    disabled = coalesce(%(disabled)s, disabled),
    updated_at = hwe.current_time()
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
RETURNING email
