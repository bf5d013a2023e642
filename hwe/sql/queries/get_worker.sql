-- Reads one of a queue's workers, with the status it shows.
SELECT worker_id, queue_name, hostname, pid, version, concurrency, in_flight, state, heartbeat_seconds,
       requested_state, requested_concurrency, pause_reason, started_at, last_heartbeat_at, commanded_at,
       hwe.worker_status(state, last_heartbeat_at, heartbeat_seconds) AS status,
       extract(epoch FROM hwe.current_time() - last_heartbeat_at)::double precision AS seconds_since_heartbeat
FROM hwe.worker
WHERE queue_name = %(queue_name)s AND worker_id = %(worker_id)s
