-- highway 0.2.20: the events of a name are a stream, not a latch.
--
-- Before, an event table kept one event per (owner run, name): a second post of the same name to the same run
-- was dropped while the API answered success. Now every emit is kept with `event_seq`, one engine-wide ordered
-- sequence, which is the table's key. A waiting task takes the oldest event of its name in its tenant that it has
-- not taken yet (its wait checkpoints record the `event_seq` they took), so posts reach its waits in order.
--
-- hwe.stream_queue_events upgrades one queue's event table in place (rows kept, numbered in emit order);
-- hwe.create_queue now calls it, so a new queue and an upgraded one end with the same table. Idempotent.

CREATE SEQUENCE IF NOT EXISTS hwe.event_seq;

CREATE OR REPLACE FUNCTION hwe.stream_queue_events(p_queue_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_table text := 'e_' || p_queue_name;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = v_table || '_pkey'
               AND conrelid = format('hwe.%I', v_table)::regclass
               AND array_length(conkey, 1) = 2) THEN
        EXECUTE format('ALTER TABLE hwe.%I DROP CONSTRAINT %I', v_table, v_table || '_pkey');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = 'hwe' AND table_name = v_table AND column_name = 'event_seq') THEN
        EXECUTE format('ALTER TABLE hwe.%I ADD COLUMN event_seq bigint', v_table);
        EXECUTE format($f$
            UPDATE hwe.%I e SET event_seq = numbered.seq
            FROM (SELECT workflow_run_id, event_name, nextval('hwe.event_seq') AS seq
                  FROM (SELECT workflow_run_id, event_name FROM hwe.%I
                        ORDER BY emitted_at, workflow_run_id, event_name) ordered) numbered
            WHERE e.workflow_run_id = numbered.workflow_run_id AND e.event_name = numbered.event_name$f$,
            v_table, v_table);
        EXECUTE format('ALTER TABLE hwe.%I ALTER COLUMN event_seq SET DEFAULT nextval(''hwe.event_seq'')', v_table);
        EXECUTE format('ALTER TABLE hwe.%I ALTER COLUMN event_seq SET NOT NULL', v_table);
        EXECUTE format('ALTER TABLE hwe.%I ADD PRIMARY KEY (event_seq)', v_table);
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON hwe.%I (tenant_id, event_name, event_seq)',
                   v_table || '_stream_idx', v_table);
END
$$;

-- Creates one queue's tables; every name is quoted with %I. Safe to call again for an existing queue.
--   t_<q>  tasks: the durable unit (for a workflow, its root task), one row for all attempts
--   r_<q>  runs: one row per attempt, with the lease (claim_expires_at) and the fencing token,
--          which every claim bumps and every worker write must match
--   c_<q>  checkpoints: one committed result per (task, step name), with the step's position
--   e_<q>  events: each owned by the workflow run that emitted it (NOT NULL) and its tenant, keyed by
--          event_seq (added by hwe.stream_queue_events)
--   w_<q>  waits: a task's step waiting for an event of its tenant, with an optional timeout
CREATE OR REPLACE FUNCTION hwe.create_queue(p_queue_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_queue_name IS NULL OR p_queue_name !~ '^[a-z][a-z0-9_]{0,40}$' THEN
        RAISE EXCEPTION 'invalid queue name' USING ERRCODE = 'HW002';
    END IF;
    INSERT INTO hwe.queue (queue_name) VALUES (p_queue_name) ON CONFLICT DO NOTHING;

    EXECUTE format($f$
        CREATE TABLE IF NOT EXISTS hwe.%I (
            task_id          uuid PRIMARY KEY,
            workflow_run_id  uuid NOT NULL,
            task_name        text NOT NULL,
            params           jsonb NOT NULL DEFAULT '{}',
            retry_strategy   jsonb NOT NULL DEFAULT '{"kind": "none"}',
            max_attempts     integer NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
            state            text NOT NULL CHECK (state IN
                                 ('pending', 'running', 'sleeping', 'completed', 'failed', 'cancelled')),
            attempts         integer NOT NULL DEFAULT 0,
            idempotency_key  text UNIQUE,
            enqueue_at       timestamptz NOT NULL,
            first_started_at timestamptz,
            completed_at     timestamptz,
            cancelled_at     timestamptz,
            result           jsonb,
            failure_reason   jsonb
        ) WITH (fillfactor = 70)$f$, 't_' || p_queue_name);

    EXECUTE format($f$
        CREATE TABLE IF NOT EXISTS hwe.%I (
            run_id           uuid PRIMARY KEY,
            task_id          uuid NOT NULL,
            attempt          integer NOT NULL,
            state            text NOT NULL CHECK (state IN
                                 ('pending', 'running', 'sleeping', 'completed', 'failed', 'cancelled')),
            fencing_token    bigint NOT NULL DEFAULT 0,
            claimed_by       text,
            claim_expires_at timestamptz,
            available_at     timestamptz NOT NULL,
            wake_event       text,
            event_payload    jsonb,
            created_at       timestamptz NOT NULL,
            started_at       timestamptz,
            completed_at     timestamptz,
            failed_at        timestamptz,
            result           jsonb,
            failure_reason   jsonb
        ) WITH (fillfactor = 70)$f$, 'r_' || p_queue_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON hwe.%I (available_at, run_id) '
                   'WHERE state IN (''pending'', ''sleeping'')',
                   'r_' || p_queue_name || '_claimable_idx', 'r_' || p_queue_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON hwe.%I (claim_expires_at) WHERE state = ''running''',
                   'r_' || p_queue_name || '_lease_idx', 'r_' || p_queue_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON hwe.%I (task_id)',
                   'r_' || p_queue_name || '_task_idx', 'r_' || p_queue_name);

    EXECUTE format($f$
        CREATE TABLE IF NOT EXISTS hwe.%I (
            task_id       uuid NOT NULL,
            step_name     text NOT NULL,
            position      integer NOT NULL,
            status        text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'error')),
            state         jsonb,
            owner_run_id  uuid NOT NULL,
            created_at    timestamptz NOT NULL,
            PRIMARY KEY (task_id, step_name)
        )$f$, 'c_' || p_queue_name);

    EXECUTE format($f$
        CREATE TABLE IF NOT EXISTS hwe.%I (
            workflow_run_id  uuid NOT NULL,
            tenant_id        text NOT NULL,
            event_name       text NOT NULL,
            payload          jsonb NOT NULL,
            emitted_at       timestamptz NOT NULL
        )$f$, 'e_' || p_queue_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON hwe.%I (tenant_id, event_name, emitted_at)',
                   'e_' || p_queue_name || '_name_idx', 'e_' || p_queue_name);

    EXECUTE format($f$
        CREATE TABLE IF NOT EXISTS hwe.%I (
            task_id          uuid NOT NULL,
            step_name        text NOT NULL,
            position         integer NOT NULL,
            run_id           uuid NOT NULL,
            workflow_run_id  uuid NOT NULL,
            tenant_id        text NOT NULL,
            event_name       text NOT NULL,
            timeout_at       timestamptz,
            created_at       timestamptz NOT NULL,
            PRIMARY KEY (task_id, step_name)
        )$f$, 'w_' || p_queue_name);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON hwe.%I (tenant_id, event_name)',
                   'w_' || p_queue_name || '_event_idx', 'w_' || p_queue_name);
    PERFORM hwe.stream_queue_events(p_queue_name);
END
$$;

SELECT hwe.stream_queue_events(queue_name) FROM hwe.queue ORDER BY queue_name;
