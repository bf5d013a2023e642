-- Marks a claimed delivery delivered (the receiver answered 2xx).
UPDATE hwe.webhook_delivery
SET state = 'delivered', last_status_code = %(status_code)s, last_error = NULL, finished_at = hwe.current_time()
WHERE delivery_id = %(delivery_id)s AND state = 'pending'
