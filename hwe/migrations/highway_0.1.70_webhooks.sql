-- highway 0.1.70: webhooks and their transactional outbox.
--
-- A webhook is a tenant's subscription of a URL to event types. Deliveries are its outbox: triggers write
-- them in the transaction of the change they announce (an audit record, or a run's first start), so a
-- committed change is never lost and a rolled-back one never sent. services/audit claims due deliveries
-- with SKIP LOCKED, pushing `next_attempt_at` one lease ahead (a crashed sender's claim lapses by itself).
-- Payloads carry ids, names and states: never a workflow value. Signing secrets live in the secret provider.

CREATE TABLE IF NOT EXISTS hwe.webhook (
    webhook_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        text NOT NULL REFERENCES hwe.tenant (tenant_id),
    url              text NOT NULL,
    event_types      text[] NOT NULL,
    description      text NOT NULL DEFAULT '',
    state            text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
    disabled_reason  text,
    created_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    updated_at       timestamptz NOT NULL DEFAULT hwe.current_time()
);
CREATE INDEX IF NOT EXISTS webhook_tenant_idx ON hwe.webhook (tenant_id) WHERE state = 'active';

CREATE TABLE IF NOT EXISTS hwe.webhook_delivery (
    delivery_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    webhook_id       uuid NOT NULL REFERENCES hwe.webhook (webhook_id) ON DELETE CASCADE,
    tenant_id        text NOT NULL,
    workflow_run_id  uuid NOT NULL,
    event_id         bigint,
    event_type       text NOT NULL,
    payload          jsonb NOT NULL,
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT hwe.current_time(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    finished_at      timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_delivery_due_idx ON hwe.webhook_delivery (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_delivery_order_idx ON hwe.webhook_delivery (webhook_id, workflow_run_id, seq)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_delivery_list_idx ON hwe.webhook_delivery (webhook_id, seq);
CREATE INDEX IF NOT EXISTS webhook_delivery_dead_idx ON hwe.webhook_delivery (webhook_id) WHERE state = 'dead';

-- Writes one delivery per active webhook of the run's tenant subscribed to `p_type`.
CREATE OR REPLACE FUNCTION hwe.enqueue_webhook_deliveries(
    p_workflow_run_id uuid, p_tenant_id text, p_event_id bigint, p_type text, p_state text, p_at timestamptz,
    p_extra jsonb
) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO hwe.webhook_delivery (webhook_id, tenant_id, workflow_run_id, event_id, event_type, payload)
    SELECT h.webhook_id, p_tenant_id, p_workflow_run_id, p_event_id, p_type,
           jsonb_build_object(
               'type', p_type,
               'timestamp', to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'data', jsonb_build_object(
                   'workflow_run_id', p_workflow_run_id,
                   'workflow_name', w.workflow_name,
                   'tenant_id', p_tenant_id,
                   'state', p_state
               ) || p_extra
           )
    FROM hwe.webhook h
    JOIN hwe.workflow_run w ON w.workflow_run_id = p_workflow_run_id
    WHERE h.tenant_id = p_tenant_id AND h.state = 'active' AND p_type = ANY (h.event_types)
$$;

-- The audit records that webhooks announce: a run's end, its waits, and failed attempts (a crash, a lost lease).
CREATE OR REPLACE FUNCTION hwe.announce_event_log() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_extra jsonb := jsonb_strip_nulls(jsonb_build_object(
        'event_id', NEW.event_id, 'task_id', NEW.detail -> 'task_id', 'attempt', NEW.detail -> 'attempt'));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM hwe.webhook WHERE tenant_id = NEW.tenant_id AND state = 'active') THEN
        RETURN NULL;
    END IF;
    CASE NEW.event_type
        WHEN 'completed' THEN
            PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                'run.completed', 'completed', NEW.created_at, v_extra);
        WHEN 'failed' THEN
            PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                'task.failed', 'failed', NEW.created_at, v_extra);
            PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                'run.failed', 'failed', NEW.created_at, v_extra);
        WHEN 'attempt_failed' THEN
            PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                'task.failed', 'running', NEW.created_at, v_extra);
        WHEN 'lease_expired' THEN
            -- Out of attempts, the run's own `failed` record announces it; a retried attempt is announced here.
            IF (NEW.detail ->> 'retry')::boolean THEN
                PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                    'task.failed', 'running', NEW.created_at, v_extra);
            END IF;
        WHEN 'cancelled' THEN
            PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                'run.cancelled', 'cancelled', NEW.created_at, v_extra);
        WHEN 'waiting' THEN
            PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NEW.event_id,
                'run.waiting', 'waiting', NEW.created_at, v_extra);
        ELSE
            NULL;
    END CASE;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS event_log_announce ON hwe.event_log;
CREATE TRIGGER event_log_announce AFTER INSERT ON hwe.event_log
    FOR EACH ROW EXECUTE FUNCTION hwe.announce_event_log();

-- A run's first start (its first claim) has no audit record of its own; announce it from the run row.
CREATE OR REPLACE FUNCTION hwe.announce_run_start() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM hwe.webhook WHERE tenant_id = NEW.tenant_id AND state = 'active') THEN
        PERFORM hwe.enqueue_webhook_deliveries(NEW.workflow_run_id, NEW.tenant_id, NULL,
            'run.started', 'running', NEW.started_at, '{}'::jsonb);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS workflow_run_announce_start ON hwe.workflow_run;
CREATE TRIGGER workflow_run_announce_start AFTER UPDATE OF started_at ON hwe.workflow_run
    FOR EACH ROW WHEN (OLD.started_at IS NULL AND NEW.started_at IS NOT NULL)
    EXECUTE FUNCTION hwe.announce_run_start();
