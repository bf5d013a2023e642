-- Counts pending and dead deliveries of every tenant, and the age in seconds of the oldest pending one. Each
-- part reads a partial index, so delivered rows (the bulk) are never scanned.
SELECT (SELECT count(*) FROM hwe.webhook_delivery WHERE state = 'pending') AS pending,
       (SELECT count(*) FROM hwe.webhook_delivery WHERE state = 'dead') AS dead,
       coalesce((SELECT extract(epoch FROM hwe.current_time() - min(created_at))
                 FROM hwe.webhook_delivery WHERE state = 'pending'), 0)::float8 AS oldest_pending_seconds
