-- The activities one run of the tenant started, in creation order (by the parent index), with their last
-- heartbeats; only unfinished ones unless `include_completed`. At most `limit`. Locks nothing.
SELECT w.workflow_run_id AS activity_id, w.parent_run_id, substr(w.workflow_name, 10) AS activity_name,
       w.definition -> 'tasks' -> substr(w.workflow_name, 10) ->> 'function' AS function_name,
       w.state, w.error, w.created_at, w.started_at, w.finished_at,
       hb.beat_at AS last_heartbeat_at, hb.worker_id, hb.attempt, hb.timeout_seconds
FROM hwe.workflow_run w
LEFT JOIN LATERAL (
    SELECT h.beat_at, h.worker_id, h.attempt, h.timeout_seconds FROM hwe.activity_heartbeat h
    WHERE h.activity_id = w.workflow_run_id ORDER BY h.beat_at DESC LIMIT 1
) hb ON true
WHERE w.parent_run_id = %(workflow_run_id)s AND w.tenant_id = %(tenant_id)s
  AND w.workflow_name LIKE 'activity\_%%' AND w.definition -> 'tasks' ? substr(w.workflow_name, 10)
  AND (%(include_completed)s OR w.state NOT IN ('completed', 'failed', 'cancelled'))
ORDER BY w.created_at, w.workflow_run_id
LIMIT %(limit)s
