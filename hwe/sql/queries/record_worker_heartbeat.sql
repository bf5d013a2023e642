-- Registers a worker or records its heartbeat (one upsert per interval) and returns the commands stored for it.
INSERT INTO hwe.worker AS w (worker_id, queue_name, hostname, pid, version, concurrency, in_flight, state,
                             heartbeat_seconds, started_at, last_heartbeat_at)
VALUES (%(worker_id)s, %(queue_name)s, %(hostname)s, %(pid)s, %(version)s, %(concurrency)s, %(in_flight)s,
        %(state)s, %(heartbeat_seconds)s, hwe.current_time(), hwe.current_time())
ON CONFLICT (worker_id) DO UPDATE
SET concurrency = EXCLUDED.concurrency, in_flight = EXCLUDED.in_flight, state = EXCLUDED.state,
    heartbeat_seconds = EXCLUDED.heartbeat_seconds, last_heartbeat_at = EXCLUDED.last_heartbeat_at
RETURNING w.requested_state, w.requested_concurrency
