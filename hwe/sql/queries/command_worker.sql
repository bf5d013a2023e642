-- Stores a command for one of a queue's workers (what state to be in, what concurrency, why paused).
UPDATE hwe.worker
SET requested_state = %(requested_state)s, requested_concurrency = %(requested_concurrency)s,
    pause_reason = %(pause_reason)s, commanded_at = hwe.current_time()
WHERE queue_name = %(queue_name)s AND worker_id = %(worker_id)s
RETURNING worker_id
