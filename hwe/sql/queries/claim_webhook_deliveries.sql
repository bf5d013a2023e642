-- Claims up to %(limit)s due deliveries of active webhooks, locking them with FOR UPDATE SKIP LOCKED so audit
-- replicas share the work without waiting on each other. A delivery waits while an earlier one of the same
-- webhook and run is pending (in flight or backing off): per-endpoint order for one run. The claim pushes
-- `next_attempt_at` one lease ahead, so a sender killed mid-delivery leaves it due again, same delivery id.
WITH due AS (
    SELECT d.delivery_id
    FROM hwe.webhook_delivery d
    JOIN hwe.webhook h USING (webhook_id)
    WHERE d.state = 'pending' AND d.next_attempt_at <= hwe.current_time() AND h.state = 'active'
      AND NOT EXISTS (
          SELECT 1 FROM hwe.webhook_delivery e
          WHERE e.webhook_id = d.webhook_id AND e.workflow_run_id = d.workflow_run_id
            AND e.state = 'pending' AND e.seq < d.seq
      )
    ORDER BY d.next_attempt_at, d.seq
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE hwe.webhook_delivery d
SET attempts = d.attempts + 1,
    next_attempt_at = hwe.current_time() + make_interval(secs => %(lease_seconds)s)
FROM due, hwe.webhook h
WHERE d.delivery_id = due.delivery_id AND h.webhook_id = d.webhook_id
RETURNING d.delivery_id, d.webhook_id, d.tenant_id, d.event_type, d.payload, d.attempts, d.created_at, h.url
