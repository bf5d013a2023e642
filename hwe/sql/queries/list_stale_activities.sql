-- The tenant's running activities whose last sign of life (last heartbeat, else their start) is older than
-- `threshold` seconds, or than their own heartbeat timeout (the lease) when no threshold is given (60 s before
-- the first heartbeat); oldest sign of life first, at most `limit`. Locks nothing.
SELECT * FROM (
    SELECT w.workflow_run_id AS activity_id, w.parent_run_id, substr(w.workflow_name, 10) AS activity_name,
           w.definition -> 'tasks' -> substr(w.workflow_name, 10) ->> 'function' AS function_name,
           w.state, w.error, w.created_at, w.started_at, w.finished_at,
           hb.beat_at AS last_heartbeat_at, hb.worker_id, hb.attempt, hb.timeout_seconds,
           coalesce(hb.beat_at, w.started_at, w.created_at) AS last_seen_at,
           coalesce(%(threshold)s::float8, hb.timeout_seconds, 60) AS stale_after_seconds
    FROM hwe.workflow_run w
    LEFT JOIN LATERAL (
        SELECT h.beat_at, h.worker_id, h.attempt, h.timeout_seconds FROM hwe.activity_heartbeat h
        WHERE h.activity_id = w.workflow_run_id ORDER BY h.beat_at DESC LIMIT 1
    ) hb ON true
    WHERE w.tenant_id = %(tenant_id)s AND w.parent_run_id IS NOT NULL AND w.workflow_name LIKE 'activity\_%%'
      AND w.definition -> 'tasks' ? substr(w.workflow_name, 10) AND w.state = 'running'
) a
WHERE a.last_seen_at < hwe.current_time() - make_interval(secs => a.stale_after_seconds)
ORDER BY a.last_seen_at
LIMIT %(limit)s
