-- The tenant's activities counted by state over at most its `cap` newest (by the partial activity index), and
-- how many running ones are stale (as list_stale_activities, with `threshold`). Locks nothing.
WITH recent AS (
    SELECT w.workflow_run_id, w.state, coalesce(w.started_at, w.created_at) AS started
    FROM hwe.workflow_run w
    WHERE w.tenant_id = %(tenant_id)s AND w.parent_run_id IS NOT NULL AND w.workflow_name LIKE 'activity\_%%'
      AND w.definition -> 'tasks' ? substr(w.workflow_name, 10)
    ORDER BY w.created_at DESC, w.workflow_run_id DESC
    LIMIT %(cap)s
)
SELECT count(*) AS counted,
       count(*) FILTER (WHERE state = 'pending') AS pending,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'sleeping') AS sleeping,
       count(*) FILTER (WHERE state = 'waiting') AS waiting,
       count(*) FILTER (WHERE state = 'completed') AS completed,
       count(*) FILTER (WHERE state = 'failed') AS failed,
       count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE state = 'running' AND coalesce(
           (SELECT h.beat_at FROM hwe.activity_heartbeat h WHERE h.activity_id = r.workflow_run_id
            ORDER BY h.beat_at DESC LIMIT 1), r.started)
           < hwe.current_time() - make_interval(secs => %(threshold)s::float8)) AS stale
FROM recent r
