-- highway 0.1.20: cron schedules that fire exactly once.
--
-- Adds `hwe.schedule` (a tenant's named cron or `@every Ns` schedule of one workflow definition, with
-- its catch-up policy, max_active_runs, pause flag and the next fire time) and `hwe.schedule_fire`
-- (one row per fire time that was handled, with the run it created). The primary key
-- (schedule_id, fire_time) of schedule_fire is what makes each fire time create at most one run, even
-- with several scheduler replicas and across restarts. Every statement is idempotent.

CREATE TABLE IF NOT EXISTS hwe.schedule (
    schedule_id      uuid PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES hwe.tenant (tenant_id),
    name             text NOT NULL,
    cron             text NOT NULL,
    timezone         text NOT NULL DEFAULT 'UTC',
    definition       jsonb NOT NULL,
    inputs           jsonb NOT NULL DEFAULT '{}',
    start_date       timestamptz,
    catchup          text NOT NULL DEFAULT 'latest' CHECK (catchup IN ('all', 'latest', 'skip')),
    max_active_runs  integer NOT NULL DEFAULT 1 CHECK (max_active_runs >= 1),
    is_paused        boolean NOT NULL DEFAULT false,
    -- NULL once the expression has no later fire time (a cron with a year field that has passed).
    next_fire_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    updated_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    UNIQUE (tenant_id, name)
);
-- The scheduler's claim looks only at unpaused schedules, earliest fire first.
CREATE INDEX IF NOT EXISTS schedule_due_idx ON hwe.schedule (next_fire_at) WHERE NOT is_paused;

CREATE TABLE IF NOT EXISTS hwe.schedule_fire (
    schedule_id      uuid NOT NULL REFERENCES hwe.schedule (schedule_id) ON DELETE CASCADE,
    fire_time        timestamptz NOT NULL,
    workflow_run_id  uuid REFERENCES hwe.workflow_run (workflow_run_id),
    state            text NOT NULL CHECK (state IN ('fired', 'skipped_max_active')),
    recorded_at      timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (schedule_id, fire_time)
);
