-- One activity of the tenant with its result, its last heartbeat and how many heartbeats it has stored; no row
-- when it is unknown, another tenant's, or a run that is not an activity. Locks nothing.
SELECT w.workflow_run_id AS activity_id, w.parent_run_id, substr(w.workflow_name, 10) AS activity_name,
       w.definition -> 'tasks' -> substr(w.workflow_name, 10) ->> 'function' AS function_name,
       w.definition -> 'tasks' -> substr(w.workflow_name, 10) AS task,
       w.state, w.error, w.result, w.created_at, w.started_at, w.finished_at,
       hb.beat_at AS last_heartbeat_at, hb.worker_id, hb.attempt, hb.timeout_seconds,
       (SELECT count(*) FROM hwe.activity_heartbeat c WHERE c.activity_id = w.workflow_run_id) AS heartbeat_count
FROM hwe.workflow_run w
LEFT JOIN LATERAL (
    SELECT h.beat_at, h.worker_id, h.attempt, h.timeout_seconds FROM hwe.activity_heartbeat h
    WHERE h.activity_id = w.workflow_run_id ORDER BY h.beat_at DESC LIMIT 1
) hb ON true
WHERE w.workflow_run_id = %(activity_id)s AND w.tenant_id = %(tenant_id)s
  AND w.parent_run_id IS NOT NULL AND w.workflow_name LIKE 'activity\_%%'
  AND w.definition -> 'tasks' ? substr(w.workflow_name, 10)
