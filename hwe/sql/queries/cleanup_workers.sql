-- Removes up to a limit of a queue's offline workers, those silent for longer than a threshold when one is given.
DELETE FROM hwe.worker
WHERE worker_id IN (
    SELECT worker_id FROM hwe.worker
    WHERE queue_name = %(queue_name)s
      AND hwe.worker_status(state, last_heartbeat_at, heartbeat_seconds) = 'offline'
      AND (%(threshold_seconds)s::double precision IS NULL
           OR last_heartbeat_at < hwe.current_time() - make_interval(secs => %(threshold_seconds)s::double precision))
    ORDER BY last_heartbeat_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING worker_id
