-- Records a heartbeat of a held activity's attempt (called with its lease renewal, in the same transaction): one
-- row, with the worker holding the run and the lease as its timeout. Writes nothing when the run is not an
-- activity (a parallel branch or child workflow). Locks nothing but the inserted row.
INSERT INTO hwe.activity_heartbeat (activity_id, tenant_id, attempt, worker_id, timeout_seconds, beat_at)
SELECT w.workflow_run_id, w.tenant_id, r.attempt, r.claimed_by, %(lease_seconds)s, hwe.current_time()
FROM hwe.workflow_run w
JOIN {runs} r ON r.run_id = %(run_id)s
WHERE w.workflow_run_id = %(workflow_run_id)s
  AND w.parent_run_id IS NOT NULL AND w.workflow_name LIKE 'activity\_%%'
  AND w.definition -> 'tasks' ? substr(w.workflow_name, 10)
