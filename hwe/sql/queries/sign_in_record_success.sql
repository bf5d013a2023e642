-- Records a successful sign-in of an account (row locked by `sign_in_find_accounts`): resets the failure count,
-- notes the time, and stores a new password hash when one is given (the old one used other parameters).
UPDATE hwe.tenant_user
SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = hwe.current_time(),
    password_hash = coalesce(%(password_hash)s, password_hash)
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
