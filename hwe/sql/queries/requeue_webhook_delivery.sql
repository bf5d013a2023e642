-- Puts one of a tenant's deliveries back in the queue, due now, with a fresh count of attempts; a webhook
-- disabled by a 410 is active again, since requeuing says the receiver is back.
WITH delivery AS (
    UPDATE hwe.webhook_delivery d
    SET state = 'pending', attempts = 0, next_attempt_at = hwe.current_time(), finished_at = NULL
    FROM hwe.webhook h
    WHERE h.webhook_id = d.webhook_id AND h.tenant_id = %(tenant_id)s
      AND d.webhook_id = %(webhook_id)s AND d.delivery_id = %(delivery_id)s
    RETURNING d.delivery_id, d.event_type, d.workflow_run_id, d.event_id, d.state, d.attempts, d.next_attempt_at,
              d.last_status_code, d.last_error, d.created_at, d.finished_at, d.webhook_id
), reactivated AS (
    UPDATE hwe.webhook h SET state = 'active', disabled_reason = NULL, updated_at = hwe.current_time()
    FROM delivery
    WHERE h.webhook_id = delivery.webhook_id AND h.state = 'disabled'
)
SELECT delivery_id, event_type, workflow_run_id, event_id, state, attempts, next_attempt_at, last_status_code,
       last_error, created_at, finished_at
FROM delivery
