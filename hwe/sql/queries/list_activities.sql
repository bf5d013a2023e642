-- One page of the tenant's activities (child runs an `activity` task started: named `activity_<task id>`, with
-- that one task), newest first by the partial activity index (keyset on created_at, workflow_run_id), each with
-- its last heartbeat; filtered by state, parent run, worker of the last heartbeat and part of the function name.
-- Locks nothing.
SELECT w.workflow_run_id AS activity_id, w.parent_run_id, substr(w.workflow_name, 10) AS activity_name,
       w.definition -> 'tasks' -> substr(w.workflow_name, 10) ->> 'function' AS function_name,
       w.state, w.error, w.created_at, w.started_at, w.finished_at,
       hb.beat_at AS last_heartbeat_at, hb.worker_id, hb.attempt, hb.timeout_seconds
FROM hwe.workflow_run w
LEFT JOIN LATERAL (
    SELECT h.beat_at, h.worker_id, h.attempt, h.timeout_seconds FROM hwe.activity_heartbeat h
    WHERE h.activity_id = w.workflow_run_id ORDER BY h.beat_at DESC LIMIT 1
) hb ON true
WHERE w.tenant_id = %(tenant_id)s AND w.parent_run_id IS NOT NULL AND w.workflow_name LIKE 'activity\_%%'
  AND w.definition -> 'tasks' ? substr(w.workflow_name, 10)
  AND (%(state)s::text IS NULL OR w.state = %(state)s)
  AND (%(parent_run_id)s::uuid IS NULL OR w.parent_run_id = %(parent_run_id)s)
  AND (%(worker_id)s::text IS NULL OR hb.worker_id = %(worker_id)s)
  AND (%(function_name)s::text IS NULL OR strpos(lower(w.definition -> 'tasks' -> substr(w.workflow_name, 10)
                                                      ->> 'function'), lower(%(function_name)s)) > 0)
  AND (%(after_created_at)s::timestamptz IS NULL
       OR (w.created_at, w.workflow_run_id) < (%(after_created_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY w.created_at DESC, w.workflow_run_id DESC
LIMIT %(limit)s
