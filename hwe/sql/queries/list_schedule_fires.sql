-- Lists one page of a schedule's handled fire times, newest first, with the run each fired (none for
-- a fire time skipped at max_active_runs) and that run's state and times (run by
-- schedules.list_schedule_history, after it found the schedule for the tenant). Locks nothing.
SELECT f.fire_time, f.state AS fire_state, f.recorded_at, f.workflow_run_id, w.state AS run_state,
       w.created_at, w.started_at, w.finished_at
FROM hwe.schedule_fire AS f
LEFT JOIN hwe.workflow_run AS w ON w.workflow_run_id = f.workflow_run_id
WHERE f.schedule_id = %(schedule_id)s
ORDER BY f.fire_time DESC
LIMIT %(limit)s OFFSET %(offset)s
