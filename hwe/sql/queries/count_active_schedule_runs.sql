-- Counts a schedule's runs that have not finished (terminal: completed, failed, cancelled), for
-- max_active_runs. Locks nothing; the caller holds the schedule row, so no other fire of this
-- schedule can add a run meanwhile.
SELECT count(*)::integer AS active
FROM hwe.schedule_fire f
JOIN hwe.workflow_run w ON w.workflow_run_id = f.workflow_run_id
WHERE f.schedule_id = %(schedule_id)s
  AND f.state = 'fired'
  AND w.state NOT IN ('completed', 'failed', 'cancelled')
