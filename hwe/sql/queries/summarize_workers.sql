-- Counts a queue's workers by status, with the capacity and the runs in flight of those not offline.
WITH shown AS (
    SELECT hwe.worker_status(state, last_heartbeat_at, heartbeat_seconds) AS status, concurrency, in_flight
    FROM hwe.worker
    WHERE queue_name = %(queue_name)s
)
SELECT count(*)::int AS total,
       count(*) FILTER (WHERE status = 'online')::int AS online,
       count(*) FILTER (WHERE status = 'paused')::int AS paused,
       count(*) FILTER (WHERE status = 'draining')::int AS draining,
       count(*) FILTER (WHERE status = 'offline')::int AS offline,
       coalesce(sum(concurrency) FILTER (WHERE status <> 'offline'), 0)::int AS capacity,
       coalesce(sum(in_flight) FILTER (WHERE status <> 'offline'), 0)::int AS in_flight
FROM shown
