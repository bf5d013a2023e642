-- Explains where a run stands in its queue: its latest attempt's state, lease, wake-up time and
-- event wait, for the API's "why is this run not moving". Read-only.
SELECT r.run_id, r.attempt, r.state AS run_state, r.claimed_by, r.claim_expires_at, r.available_at,
       r.claim_expires_at IS NOT NULL AND r.claim_expires_at < hwe.current_time() AS lease_expired,
       r.available_at <= hwe.current_time() AS due, w.event_name, w.timeout_at, hwe.current_time() AS now
FROM {runs} r
LEFT JOIN {waits} w ON w.task_id = r.task_id
WHERE r.task_id = %(task_id)s
ORDER BY r.attempt DESC
LIMIT 1
