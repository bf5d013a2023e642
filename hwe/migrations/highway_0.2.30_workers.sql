-- highway 0.2.30: the registry of worker processes, and the commands the API leaves for them.
--
-- Each worker process upserts its row once per poll interval (its heartbeat): queue, host, pid, version, current
-- concurrency, runs in flight and what it is doing (`state`: online, paused, draining, stopped). The same statement
-- returns the commands stored in the row by the API (`requested_state`: online, paused or draining, and
-- `requested_concurrency`), which the worker obeys by its next claim. A worker whose last heartbeat is older than
-- three of its intervals (at least 5 s), or that reported `stopped`, shows as offline (hwe.worker_status).
-- Deleting a row is harmless: a live worker inserts it again, with no command, on its next heartbeat. Idempotent.

CREATE TABLE IF NOT EXISTS hwe.worker (
    worker_id              uuid PRIMARY KEY,
    queue_name             text NOT NULL,
    hostname               text NOT NULL,
    pid                    integer NOT NULL,
    version                text NOT NULL,
    concurrency            integer NOT NULL CHECK (concurrency >= 0),
    in_flight              integer NOT NULL DEFAULT 0 CHECK (in_flight >= 0),
    state                  text NOT NULL CHECK (state IN ('online', 'paused', 'draining', 'stopped')),
    heartbeat_seconds      double precision NOT NULL CHECK (heartbeat_seconds > 0),
    requested_state        text NOT NULL DEFAULT 'online' CHECK (requested_state IN ('online', 'paused', 'draining')),
    requested_concurrency  integer CHECK (requested_concurrency >= 1),
    pause_reason           text,
    started_at             timestamptz NOT NULL DEFAULT hwe.current_time(),
    last_heartbeat_at      timestamptz NOT NULL DEFAULT hwe.current_time(),
    commanded_at           timestamptz
);

CREATE INDEX IF NOT EXISTS worker_queue_idx ON hwe.worker (queue_name, started_at);

-- What a worker shows: what it reported, unless it stopped or its heartbeats stopped (then offline).
CREATE OR REPLACE FUNCTION hwe.worker_status(p_state text, p_last_heartbeat_at timestamptz,
                                             p_heartbeat_seconds double precision) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_state = 'stopped' THEN 'offline'
        WHEN p_last_heartbeat_at < hwe.current_time()
                                   - make_interval(secs => greatest(3 * p_heartbeat_seconds, 5)) THEN 'offline'
        ELSE p_state
    END
$$;
