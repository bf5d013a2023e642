-- Reads what a tenant's runs created in the last %(seconds)s did, for GET /api/v1/health/metrics (run by
-- health_metrics.read_health_metrics): runs by state, durations of the completed ones, and the attempts
-- of their root tasks (an attempt past the first is a retry or a failover). Bounded by the window through
-- the (tenant_id, created_at) index; plain reads, locks nothing.
WITH clock AS (
    SELECT hwe.current_time() AS now, hwe.current_time() - make_interval(secs => %(seconds)s::float8) AS since
), recent AS (
    SELECT w.workflow_run_id, w.state, w.task_id, w.started_at, w.finished_at
    FROM hwe.workflow_run AS w, clock
    WHERE w.tenant_id = %(tenant_id)s AND w.created_at >= clock.since
), attempts AS (
    SELECT r.task_id, max(r.attempt) AS attempts
    FROM recent JOIN {runs} AS r ON r.task_id = recent.task_id
    GROUP BY r.task_id
)
SELECT
    clock.now,
    clock.since,
    (SELECT coalesce(jsonb_object_agg(s.state, s.n), jsonb_build_object())
     FROM (SELECT state, count(*) AS n FROM recent GROUP BY state) AS s) AS runs_by_state,
    (SELECT coalesce(jsonb_object_agg(s.state, s.n), jsonb_build_object())
     FROM (SELECT t.state, count(*) AS n FROM recent JOIN {tasks} AS t ON t.task_id = recent.task_id
           GROUP BY t.state) AS s) AS tasks_by_state,
    (SELECT avg(extract(epoch FROM finished_at - started_at))::float8 FROM recent
     WHERE state = 'completed' AND started_at IS NOT NULL) AS avg_duration_seconds,
    (SELECT max(extract(epoch FROM finished_at - started_at))::float8 FROM recent
     WHERE state = 'completed' AND started_at IS NOT NULL) AS max_duration_seconds,
    (SELECT count(*) FROM attempts WHERE attempts > 1)::integer AS retried_tasks,
    (SELECT coalesce(sum(attempts - 1), 0) FROM attempts)::integer AS extra_attempts,
    (SELECT coalesce(max(attempts), 0) FROM attempts)::integer AS max_attempts
FROM clock
