-- Lists a webhook's deliveries, newest first, optionally of one state, at most %(limit)s.
-- next_attempt_at only while pending: a finished delivery keeps its last lease time, which would read as a plan.
SELECT d.delivery_id, d.event_type, d.workflow_run_id, d.event_id, d.state, d.attempts,
       CASE WHEN d.state = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
       d.last_status_code, d.last_error, d.created_at, d.finished_at
FROM hwe.webhook_delivery d
JOIN hwe.webhook h USING (webhook_id)
WHERE h.tenant_id = %(tenant_id)s AND d.webhook_id = %(webhook_id)s
  AND (%(state)s::text IS NULL OR d.state = %(state)s::text)
ORDER BY d.seq DESC
LIMIT %(limit)s
