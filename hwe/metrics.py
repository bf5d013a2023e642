"""The engine's Prometheus metrics: one registry per process, the counters every service shares.

Services expose the registry (`serve_metrics`); engine code increments the counters. Along with
the tool registry, this is the only module-level mutable state the engine allows.
"""

from __future__ import annotations

import prometheus_client

from hwe import pool_metrics

REGISTRY = prometheus_client.CollectorRegistry()

WAKEUPS = prometheus_client.Counter(
    "hwe_worker_wakeups_total",
    "Worker loop wake-ups, by whether the claim that followed got any run (empty ones reveal NOTIFY without work)",
    ["outcome"],
    registry=REGISTRY,
)
RUNS_CLAIMED = prometheus_client.Counter("hwe_runs_claimed_total", "Runs claimed by this worker", registry=REGISTRY)
OUTCOMES = prometheus_client.Counter(
    "hwe_run_outcomes_total", "Attempts ended, by outcome", ["outcome"], registry=REGISTRY
)
FENCING_REJECTIONS = prometheus_client.Counter(
    "hwe_fencing_rejections_total",
    "Writes refused because the worker's fencing token was stale (a zombie's late write)",
    registry=REGISTRY,
)
LEASES_EXPIRED = prometheus_client.Counter(
    "hwe_leases_expired_total", "Runs whose lease expired and were taken back", registry=REGISTRY
)


TIMEOUTS = prometheus_client.Counter(
    "hwe_timeouts_total", "Timeouts enforced, by kind (lease, deadline)", ["kind"], registry=REGISTRY
)
INVARIANT_VIOLATIONS = prometheus_client.Counter(
    "hwe_invariant_violations_total",
    "Runs found breaking an invariant, by kind and whether they were repaired",
    ["kind", "repaired"],
    registry=REGISTRY,
)
CLEANED = prometheus_client.Counter(
    "hwe_cleaned_rows_total",
    "Finished tasks, old events and long-offline workers deleted by policy",
    ["kind"],
    registry=REGISTRY,
)


CIRCUIT_REJECTIONS = prometheus_client.Counter(
    "hwe_circuit_rejections_total",
    "Tool calls failed fast, without running the tool, because the tenant's circuit breaker for it was open",
    registry=REGISTRY,
)
CIRCUIT_TRANSITIONS = prometheus_client.Counter(
    "hwe_circuit_transitions_total",
    "Circuit breaker state changes made by this process, by the state entered (open, half_open, closed)",
    ["state"],
    registry=REGISTRY,
)


SCHEDULES_FIRED = prometheus_client.Counter(
    "hwe_schedules_fired_total", "Fire times that submitted a workflow run", registry=REGISTRY
)
SCHEDULE_FIRES_SKIPPED = prometheus_client.Counter(
    "hwe_schedule_fires_skipped_total", "Fire times skipped because max_active_runs were active", registry=REGISTRY
)
SCHEDULE_FIRE_LAG = prometheus_client.Histogram(
    "hwe_schedule_fire_lag_seconds",
    "Seconds from a fire time to the run's submission",
    # From a tick's fraction of a second up to hours when a long outage is caught up.
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, float("inf")),
    registry=REGISTRY,
)


OPERATOR_RECONCILES = prometheus_client.Counter(
    "hwe_operator_reconciles_total",
    "Reconciles of Workflow resources, by outcome (submitted, synced, refused, retrying, cancelled, released)",
    ["outcome"],
    registry=REGISTRY,
)
OPERATOR_ENGINE_SECONDS = prometheus_client.Histogram(
    "hwe_operator_engine_request_seconds",
    "Latency of the operator's calls to the engine's REST API, by operation and outcome (ok, refused, unavailable)",
    ["operation", "outcome"],
    registry=REGISTRY,
)
OPERATOR_RESOURCES = prometheus_client.Gauge(
    "hwe_operator_resources",
    "Workflow resources this operator has reconciled, by phase",
    ["phase"],
    registry=REGISTRY,
)


WEBHOOK_DELIVERIES = prometheus_client.Counter(
    "hwe_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, retrying, dead, disabled, blocked)",
    ["outcome"],
    registry=REGISTRY,
)
WEBHOOK_ATTEMPT_SECONDS = prometheus_client.Histogram(
    "hwe_webhook_attempt_seconds",
    "Latency of one webhook delivery attempt, until the receiver answered or failed",
    registry=REGISTRY,
)
WEBHOOK_BACKLOG = prometheus_client.Gauge(
    "hwe_webhook_backlog",
    "Webhook deliveries by state: pending (not yet delivered) and dead",
    ["state"],
    registry=REGISTRY,
)
WEBHOOK_OLDEST_PENDING_SECONDS = prometheus_client.Gauge(
    "hwe_webhook_oldest_pending_seconds", "Age of the oldest webhook delivery not yet delivered", registry=REGISTRY
)


AUDIT_ARCHIVED_RECORDS = prometheus_client.Counter(
    "hwe_audit_archived_records_total",
    "Audit records appended to the DataShard archive and verified there by this process's archive passes",
    registry=REGISTRY,
)
AUDIT_PRUNED_DAYS = prometheus_client.Counter(
    "hwe_audit_pruned_days_total",
    "Days of hwe.event_log whose partition was dropped after every record in it was archived and verified",
    registry=REGISTRY,
)
AUDIT_LAST_ARCHIVE_SECONDS = prometheus_client.Gauge(
    "hwe_audit_last_archive_seconds", "Duration of the last archive pass, in seconds", registry=REGISTRY
)


RUNS_STARTED = prometheus_client.Counter(
    "hwe_runs_started_total",
    "Workflow runs whose root task was claimed for the first time, by queue",
    ["queue"],
    registry=REGISTRY,
)
RUNS_FINISHED = prometheus_client.Counter(
    "hwe_runs_finished_total",
    "Workflow runs ended by this process, by terminal state (workers: completed, failed; the timeout service: "
    "runs past their deadline); cancellations over the API are counted as API requests",
    ["state"],
    registry=REGISTRY,
)
SCHEDULE_TO_START = prometheus_client.Histogram(
    "hwe_task_schedule_to_start_seconds",
    "Seconds from a run becoming due (created, retried or woken) to a worker claiming it, by queue",
    ["queue"],
    # A worker woken by NOTIFY claims within milliseconds; a starved queue waits minutes or more.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, float("inf")),
    registry=REGISTRY,
)
STEP_SECONDS = prometheus_client.Histogram(
    "hwe_step_duration_seconds",
    "Seconds a tool ran for one step, by tool (steps returned from a checkpoint are not run, so not timed)",
    ["tool"],
    buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, float("inf")),
    registry=REGISTRY,
)
CLAIMS_PER_WAKEUP = prometheus_client.Histogram(
    "hwe_worker_claims_per_wakeup",
    "Runs claimed per worker loop wake-up that had free slots (many at 0: wake-ups without work)",
    buckets=(0, 1, 2, 4, 8, 16, 32, 64, float("inf")),
    registry=REGISTRY,
)
TASK_RETRIES = prometheus_client.Counter(
    "hwe_task_retries_total",
    "Retries scheduled, by kind: step (a DSL task's retry policy backs off) or attempt (the root task "
    "is attempted again after an engine fault)",
    ["kind"],
    registry=REGISTRY,
)
WORKER_SLOTS = prometheus_client.Gauge(
    "hwe_worker_slots",
    "This worker's run slots, by queue and state (busy: running a claimed run, free)",
    ["queue", "state"],
    registry=REGISTRY,
)
DB_ERRORS = prometheus_client.Counter(
    "hwe_db_errors_total",
    "Database statements or pool checkouts that failed with a driver error (not the engine's own SQLSTATEs), "
    "by DB-API error class",
    ["error"],
    registry=REGISTRY,
)
DB_POOLS = pool_metrics.PoolCollector()
REGISTRY.register(DB_POOLS)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Serves the registry over HTTP on `port` in a daemon thread of prometheus_client (0: not at all)."""
    if port:
        prometheus_client.start_http_server(port, addr=host, registry=REGISTRY)


VAULT_LOGINS = prometheus_client.Counter(
    "hwe_vault_logins_total",
    "Logins to Vault with the Kubernetes auth method (at start, on expiry, after a refused renewal), by outcome",
    ["outcome"],
    registry=REGISTRY,
)
VAULT_TOKEN_RENEWALS = prometheus_client.Counter(
    "hwe_vault_token_renewals_total", "Vault tokens renewed before they expired", registry=REGISTRY
)
VAULT_TOKEN_RENEWAL_FAILURES = prometheus_client.Counter(
    "hwe_vault_token_renewal_failures_total",
    "Vault token renewals, and logins that replace an expiring token, that failed (the token may lapse)",
    registry=REGISTRY,
)
VAULT_TOKEN_TTL = prometheus_client.Gauge(
    "hwe_vault_token_ttl_seconds",
    "Remaining TTL of this process's Vault token at its last login or renewal, in seconds",
    registry=REGISTRY,
)
