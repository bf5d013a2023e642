-- Marks an invitation accepted, and makes its token useless.
UPDATE hwe.invitation SET accepted_at = hwe.current_time()
WHERE invitation_id = %(invitation_id)s AND accepted_at IS NULL
