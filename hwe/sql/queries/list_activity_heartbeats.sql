-- An activity's stored heartbeats, newest first, at most `limit` (the caller checked the activity is the
-- tenant's). Locks nothing.
SELECT beat_at, attempt, worker_id, timeout_seconds
FROM hwe.activity_heartbeat
WHERE activity_id = %(activity_id)s AND tenant_id = %(tenant_id)s
ORDER BY beat_at DESC
LIMIT %(limit)s
