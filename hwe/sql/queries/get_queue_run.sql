-- Reads one queue attempt (run) by its key with its task and workflow run, scoped by tenant through the
-- workflow run: another tenant's attempt is not found. Reads only; takes no locks.
SELECT r.run_id, r.task_id, t.workflow_run_id, w.workflow_name, r.attempt, r.state, r.claimed_by,
       r.claim_expires_at, r.available_at, r.wake_event, r.created_at, r.started_at, r.completed_at,
       r.failed_at, r.failure_reason, t.max_attempts
FROM {runs} r
JOIN {tasks} t ON t.task_id = r.task_id
JOIN hwe.workflow_run w ON w.workflow_run_id = t.workflow_run_id
WHERE r.run_id = %(run_id)s AND w.tenant_id = %(tenant_id)s
