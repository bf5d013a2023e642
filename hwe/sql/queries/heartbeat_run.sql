-- Extends the lease of a running run, only for the worker holding the current fencing token.
-- No row returned means the lease was lost: the run was expired, released or claimed again.
UPDATE {runs}
SET claim_expires_at = hwe.current_time() + make_interval(secs => %(lease_seconds)s)
WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
RETURNING run_id
