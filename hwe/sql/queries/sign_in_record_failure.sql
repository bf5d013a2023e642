-- Counts a failed sign-in of an account (row locked by `sign_in_find_accounts`); locks it for lock_seconds when
-- lock is true (a failure after a lock-out has passed starts the count again: the caller passes the new count).
UPDATE hwe.tenant_user
SET failed_sign_ins = %(failed_sign_ins)s,
    locked_until = CASE WHEN %(lock)s THEN hwe.current_time() + make_interval(secs => %(lock_seconds)s) END
WHERE tenant_id = %(tenant_id)s AND email = %(email)s
