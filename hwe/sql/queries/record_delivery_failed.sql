-- Records a failed attempt of a claimed delivery: due again after %(retry_after_seconds)s, or dead once it has
-- used %(max_attempts)s attempts (or when %(give_up)s, as for a 410).
UPDATE hwe.webhook_delivery
SET last_status_code = %(status_code)s,
    last_error = %(error)s,
    state = CASE WHEN %(give_up)s OR attempts >= %(max_attempts)s THEN 'dead' ELSE 'pending' END,
    finished_at = CASE WHEN %(give_up)s OR attempts >= %(max_attempts)s THEN hwe.current_time() END,
    next_attempt_at = hwe.current_time() + make_interval(secs => %(retry_after_seconds)s)
WHERE delivery_id = %(delivery_id)s AND state = 'pending'
RETURNING state
