-- Disables a webhook whose receiver answered 410 Gone: nothing more is sent until a delivery is requeued.
UPDATE hwe.webhook SET state = 'disabled', disabled_reason = %(reason)s, updated_at = hwe.current_time()
WHERE webhook_id = %(webhook_id)s
