-- Finds the accounts of an email (in one tenant when it is named) for a sign-in, and locks their rows until the
-- sign-in's transaction ends, so concurrent failures are all counted (rows in tenant order).
SELECT tenant_id, roles, disabled, password_hash, failed_sign_ins, locked_until,
       greatest(0, ceil(extract(epoch FROM locked_until - hwe.current_time())))::integer AS locked_seconds
FROM hwe.tenant_user
WHERE email = %(email)s AND (%(tenant_id)s::text IS NULL OR tenant_id = %(tenant_id)s)
ORDER BY tenant_id
FOR UPDATE
