-- highway 0.1.00: the engine schema.
--
-- Creates the `hwe` schema with: the engine clock (`hwe.current_time`), tenants and API keys, the
-- workflow_run table that readers (the API) see, the append-only event_log, the queue registry and
-- `hwe.create_queue`, which builds one queue's task/run/checkpoint/event/wait tables. The queue design
-- follows Absurd's (tasks, one run per attempt, checkpoints, events, waits) with our own changes:
-- an explicit fencing token on runs, and events scoped by a NOT NULL workflow_run_id.
-- Every statement is idempotent, so applying this file twice changes nothing.

CREATE SCHEMA IF NOT EXISTS hwe;

-- The one "now" of the engine. A session may set `hwe.fake_now` so tests can move time forward
-- instead of sleeping through it.
CREATE OR REPLACE FUNCTION hwe.current_time() RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(nullif(current_setting('hwe.fake_now', true), '')::timestamptz, clock_timestamp())
$$;

CREATE TABLE IF NOT EXISTS hwe.tenant (
    tenant_id   text PRIMARY KEY CHECK (tenant_id ~ '^[a-z][a-z0-9_-]{0,62}$'),
    queue_name  text NOT NULL DEFAULT 'default',
    created_at  timestamptz NOT NULL DEFAULT hwe.current_time()
);

CREATE TABLE IF NOT EXISTS hwe.api_key (
    key_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   text NOT NULL REFERENCES hwe.tenant (tenant_id),
    prefix      text NOT NULL UNIQUE,
    key_hash    text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    created_at  timestamptz NOT NULL DEFAULT hwe.current_time(),
    revoked_at  timestamptz
);

CREATE TABLE IF NOT EXISTS hwe.workflow_run (
    workflow_run_id    uuid PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES hwe.tenant (tenant_id),
    workflow_name      text NOT NULL,
    workflow_version   text NOT NULL,
    definition         jsonb NOT NULL,
    inputs             jsonb NOT NULL DEFAULT '{}',
    state              text NOT NULL DEFAULT 'pending' CHECK (state IN
                           ('pending', 'running', 'sleeping', 'waiting', 'completed', 'failed', 'cancelled')),
    result             jsonb,
    error              jsonb,
    context            jsonb NOT NULL DEFAULT '{}',
    current_step       text,
    progress_completed integer NOT NULL DEFAULT 0,
    progress_total     integer NOT NULL DEFAULT 0,
    idempotency_key    text,
    request_hash       text,
    parent_run_id      uuid REFERENCES hwe.workflow_run (workflow_run_id),
    retry_of           uuid REFERENCES hwe.workflow_run (workflow_run_id),
    deadline_at        timestamptz,
    deadline_action    text NOT NULL DEFAULT 'fail' CHECK (deadline_action IN ('fail', 'cancel')),
    queue_name         text NOT NULL,
    task_id            uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT hwe.current_time(),
    started_at         timestamptz,
    finished_at        timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT hwe.current_time(),
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS workflow_run_tenant_created_idx ON hwe.workflow_run (tenant_id, created_at DESC);
-- The invariant sweep reads only unfinished runs, however long the history.
CREATE INDEX IF NOT EXISTS workflow_run_unfinished_idx ON hwe.workflow_run (queue_name)
    WHERE state IN ('pending', 'running', 'sleeping', 'waiting');
-- The deadline sweep reads only unfinished runs that have a deadline, however long the history.
CREATE INDEX IF NOT EXISTS workflow_run_deadline_idx ON hwe.workflow_run (deadline_at)
    WHERE deadline_at IS NOT NULL AND state IN ('pending', 'running', 'sleeping', 'waiting');

-- The audit trail. Rows are written in the same transaction as the change they record and are
-- never changed afterwards: the trigger below rejects UPDATE and DELETE.
CREATE TABLE IF NOT EXISTS hwe.event_log (
    event_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_run_id  uuid NOT NULL,
    tenant_id        text NOT NULL,
    event_type       text NOT NULL,
    run_id           uuid,
    detail           jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT hwe.current_time()
);
CREATE INDEX IF NOT EXISTS event_log_run_idx ON hwe.event_log (workflow_run_id, event_id);

CREATE OR REPLACE FUNCTION hwe.reject_event_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hwe.event_log is append-only' USING ERRCODE = 'HW010';
END
$$;

DROP TRIGGER IF EXISTS event_log_append_only ON hwe.event_log;
CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON hwe.event_log
    FOR EACH ROW EXECUTE FUNCTION hwe.reject_event_log_change();

-- Events always belong to a run: statements that write one pass the owner through this guard, so
-- a NULL raises instead of creating a global event.
CREATE OR REPLACE FUNCTION hwe.require_run_id(p_workflow_run_id uuid) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_workflow_run_id IS NULL THEN
        RAISE EXCEPTION 'events are scoped by workflow_run_id, which must not be NULL' USING ERRCODE = 'HW003';
    END IF;
    RETURN p_workflow_run_id;
END
$$;

-- Code for durable tasks (zip archives), stored per tenant and read fresh at every execution.
CREATE TABLE IF NOT EXISTS hwe.artifact (
    tenant_id    text NOT NULL REFERENCES hwe.tenant (tenant_id),
    artifact_id  text NOT NULL CHECK (artifact_id ~ '^[0-9a-f]{64}$'),
    content      bytea NOT NULL,
    size         integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (tenant_id, artifact_id)
);

CREATE TABLE IF NOT EXISTS hwe.queue (
    queue_name  text PRIMARY KEY CHECK (queue_name ~ '^[a-z][a-z0-9_]{0,40}$'),
    created_at  timestamptz NOT NULL DEFAULT hwe.current_time()
);

-- Creates one queue's tables; every name is quoted with %I. Safe to call again for an existing queue.
--   t_<q>  tasks: the durable unit (for a workflow, its root task), one row for all attempts
--   r_<q>  runs: one row per attempt, with the lease (claim_expires_at) and the fencing token,
--          which every claim bumps and every worker write must match
--   c_<q>  checkpoints: one committed result per (task, step name), with the step's position
--   e_<q>  events: each owned by the workflow run that emitted it (NOT NULL) and its tenant
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
            emitted_at       timestamptz NOT NULL,
            PRIMARY KEY (workflow_run_id, event_name)
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
END
$$;

SELECT hwe.create_queue('default');
