-- highway 0.2.32: each task attempt's output, and the heartbeats of activity runs.
--
-- hwe.task_log keeps what a task attempt wrote: one row per attempt and stream (stdout, stderr, or `log` for the
-- tool's own lines), never one per line, committed in the statement that commits the attempt's checkpoint, so a
-- failed step's output is there exactly when its failure is. `content` is capped per stream by the engine (the
-- head and the tail are kept); `size_bytes` is what the attempt wrote and `dropped_bytes` what was cut out of it.
-- An attempt that wrote nothing has no row.
--
-- An activity is the child run an `activity` task starts: its workflow_name is `activity_<task id>` and its one
-- task is that task id. hwe.activity_heartbeat records each lease renewal of an activity's attempt (every third of
-- the lease), with the lease as its timeout; the partial index lists a tenant's activities newest first.
-- Idempotent.

CREATE TABLE IF NOT EXISTS hwe.task_log (
    log_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        text NOT NULL,
    workflow_run_id  uuid NOT NULL,
    task_id          text NOT NULL,
    attempt          integer NOT NULL CHECK (attempt >= 1),
    stream           text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'log')),
    content          text NOT NULL,
    size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
    dropped_bytes    bigint NOT NULL DEFAULT 0 CHECK (dropped_bytes >= 0),
    status           text NOT NULL CHECK (status IN ('ok', 'error')),
    tool             text,
    started_at       timestamptz NOT NULL,
    logged_at        timestamptz NOT NULL
);
-- A run's output in commit order, a task's in commit order, and a tenant's newest first (the stats).
CREATE INDEX IF NOT EXISTS task_log_run_idx ON hwe.task_log (workflow_run_id, log_id);
CREATE INDEX IF NOT EXISTS task_log_task_idx ON hwe.task_log (workflow_run_id, task_id, log_id);
CREATE INDEX IF NOT EXISTS task_log_tenant_idx ON hwe.task_log (tenant_id, log_id DESC);

CREATE TABLE IF NOT EXISTS hwe.activity_heartbeat (
    heartbeat_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id      uuid NOT NULL,
    tenant_id        text NOT NULL,
    attempt          integer NOT NULL,
    worker_id        text,
    timeout_seconds  double precision NOT NULL CHECK (timeout_seconds > 0),
    beat_at          timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_heartbeat_activity_idx ON hwe.activity_heartbeat (activity_id, beat_at DESC);
CREATE INDEX IF NOT EXISTS activity_heartbeat_tenant_idx ON hwe.activity_heartbeat (tenant_id, beat_at);

CREATE INDEX IF NOT EXISTS workflow_run_activity_idx
    ON hwe.workflow_run (tenant_id, created_at DESC, workflow_run_id DESC)
    WHERE parent_run_id IS NOT NULL AND workflow_name LIKE 'activity\_%';
