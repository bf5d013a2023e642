"""Generates the Grafana dashboards of charts/highway/files/dashboards/ from Python (grafana-foundation-sdk).

Run `make dashboards` (or `python scripts/dashboards.py`) after changing a panel here, and commit the JSON: the
chart ships the files, and tests/monitoring checks that regenerating them gives the committed bytes, that every
query parses (promtool) and that every metric they name is exported. Output is deterministic: sorted keys,
fixed uids, panel ids and grid positions. `--check` only compares, and fails when a file would change.

Queue-wide gauges (`hwe_queue_*`) come from the timeout service alone; the queries take `max by (queue, ...)`
so that two timeout replicas do not double them. Every query is scoped by the `namespace` variable; queue
metrics by `queue` too.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, GridPos, VariableRefresh, VariableSort

OUTPUT = Path(__file__).resolve().parents[1] / "charts" / "highway" / "files" / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
NS = 'namespace=~"$namespace"'
NSQ = 'namespace=~"$namespace", queue=~"$queue"'
RATE = "[$__rate_interval]"


@dataclass(frozen=True)
class Panel:
    """One panel: a title, a unit, and its queries as (PromQL, legend) pairs."""

    title: str
    unit: str
    queries: list[tuple[str, str]]
    description: str = ""
    kind: str = "timeseries"  # or "stat": a single current value


@dataclass(frozen=True)
class Board:
    """One dashboard: its file name (without .json), uid, title and panels in reading order."""

    name: str
    uid: str
    title: str
    description: str
    panels: list[Panel] = field(default_factory=list)


def _rate(metric: str, selector: str = NS, by: str = "") -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({metric}{{{selector}}}{RATE}))"


def _quantile(q: float, metric: str, selector: str = NS, by: str = "") -> str:
    labels = ", ".join(["le", *([by] if by else [])])
    return f"histogram_quantile({q}, sum by ({labels}) (rate({metric}_bucket{{{selector}}}{RATE})))"


def _ratio(numerator: str, denominator: str) -> str:
    return f"({numerator}) / clamp_min({denominator}, 1e-9)"


API_5XX = f'sum(rate(hwe_api_requests_total{{{NS}, status=~"5.."}}{RATE}))'
API_ALL = f"sum(rate(hwe_api_requests_total{{{NS}}}{RATE}))"
RUNS_FAILED = f'sum(rate(hwe_runs_finished_total{{{NS}, state="failed"}}{RATE}))'
RUNS_ALL = f"sum(rate(hwe_runs_finished_total{{{NS}}}{RATE}))"

OVERVIEW = Board(
    "overview",
    "hwe-overview",
    "Highway / Engine overview",
    "Runs, backlog and health of every Highway component at a glance.",
    [
        Panel(
            "Components up",
            "short",
            [(f'sum by (component) (up{{{NS}, component!=""}})', "{{component}}")],
            kind="stat",
        ),
        Panel(
            "Queue backlog (runs due)",
            "short",
            [(f"sum(max by (queue) (hwe_queue_runs_ready{{{NSQ}}}))", "due")],
            kind="stat",
        ),
        Panel("Runs started", "ops", [(_rate("hwe_runs_started_total", NSQ, "queue"), "{{queue}}")]),
        Panel("Runs finished by state", "ops", [(_rate("hwe_runs_finished_total", NS, "state"), "{{state}}")]),
        Panel("Run failure ratio", "percentunit", [(_ratio(RUNS_FAILED, RUNS_ALL), "failed / finished")]),
        Panel("API error ratio (5xx)", "percentunit", [(_ratio(API_5XX, API_ALL), "5xx / all")]),
        Panel("Runs due, by queue", "short", [(f"max by (queue) (hwe_queue_runs_ready{{{NSQ}}})", "{{queue}}")]),
        Panel(
            "Oldest due run waiting",
            "s",
            [(f"max by (queue) (hwe_queue_oldest_pending_seconds{{{NSQ}}})", "{{queue}}")],
        ),
        Panel(
            "Schedule-to-start p95",
            "s",
            [(_quantile(0.95, "hwe_task_schedule_to_start_seconds", NSQ, "queue"), "{{queue}}")],
            "From a run becoming due to a worker claiming it.",
        ),
        Panel(
            "Database errors",
            "ops",
            [(_rate("hwe_db_errors_total", NS, "component, error"), "{{component}} {{error}}")],
        ),
    ],
)

QUEUES_WORKERS = Board(
    "queues-workers",
    "hwe-queues-workers",
    "Highway / Queues and workers",
    "Queue depth, claims, leases and step latency of the workers.",
    [
        Panel(
            "Tasks by state", "short", [(f"max by (queue, state) (hwe_queue_tasks{{{NSQ}}})", "{{queue}} {{state}}")]
        ),
        Panel(
            "Workers holding a lease", "short", [(f"max by (queue) (hwe_queue_workers_active{{{NSQ}}})", "{{queue}}")]
        ),
        Panel("Worker slots", "short", [(f"sum by (queue, state) (hwe_worker_slots{{{NSQ}}})", "{{queue}} {{state}}")]),
        Panel(
            "Claims per wake-up",
            "short",
            [
                (
                    _ratio(
                        f"sum(rate(hwe_worker_claims_per_wakeup_sum{{{NS}}}{RATE}))",
                        f"sum(rate(hwe_worker_claims_per_wakeup_count{{{NS}}}{RATE}))",
                    ),
                    "mean claims",
                ),
                (_rate("hwe_worker_wakeups_total", NS, "outcome"), "wake-ups {{outcome}}"),
            ],
            "Many empty wake-ups and few claims reveal NOTIFY without work (zombie wake-ups).",
        ),
        Panel(
            "Schedule-to-start",
            "s",
            [
                (_quantile(0.5, "hwe_task_schedule_to_start_seconds", NSQ), "p50"),
                (_quantile(0.95, "hwe_task_schedule_to_start_seconds", NSQ), "p95"),
                (_quantile(0.99, "hwe_task_schedule_to_start_seconds", NSQ), "p99"),
            ],
        ),
        Panel(
            "Step duration p95 by tool", "s", [(_quantile(0.95, "hwe_step_duration_seconds", NS, "tool"), "{{tool}}")]
        ),
        Panel("Attempt outcomes", "ops", [(_rate("hwe_run_outcomes_total", NS, "outcome"), "{{outcome}}")]),
        Panel("Retries by kind", "ops", [(_rate("hwe_task_retries_total", NS, "kind"), "{{kind}}")]),
        Panel(
            "Lease expiries and fenced-off writes",
            "ops",
            [
                (_rate("hwe_leases_expired_total"), "leases expired"),
                (_rate("hwe_fencing_rejections_total"), "fenced-off writes"),
            ],
        ),
        Panel("Circuit breaker rejections", "ops", [(_rate("hwe_circuit_rejections_total"), "rejected")]),
        Panel(
            "Database pool connections",
            "short",
            [
                (f"sum by (component, state) (hwe_db_pool_connections{{{NS}}})", "{{component}} {{state}}"),
                (f"sum by (component) (hwe_db_pool_requests_waiting{{{NS}}})", "{{component}} waiting"),
            ],
        ),
    ],
)

SCHEDULER_TIMERS_AUDIT = Board(
    "scheduler-timers-audit",
    "hwe-scheduler-timers-audit",
    "Highway / Scheduler, timers and audit",
    "Cron fires, timeouts and sweeps, webhook deliveries and the audit archive.",
    [
        Panel(
            "Schedule fires",
            "ops",
            [(_rate("hwe_schedules_fired_total"), "fired"), (_rate("hwe_schedule_fires_skipped_total"), "skipped")],
        ),
        Panel(
            "Schedule fire lag",
            "s",
            [
                (_quantile(0.5, "hwe_schedule_fire_lag_seconds"), "p50"),
                (_quantile(0.95, "hwe_schedule_fire_lag_seconds"), "p95"),
            ],
        ),
        Panel("Timeouts by kind", "ops", [(_rate("hwe_timeouts_total", NS, "kind"), "{{kind}}")]),
        Panel(
            "Invariant violations",
            "ops",
            [(_rate("hwe_invariant_violations_total", NS, "kind, repaired"), "{{kind}} repaired={{repaired}}")],
        ),
        Panel("Rows cleaned up", "ops", [(_rate("hwe_cleaned_rows_total", NS, "kind"), "{{kind}}")]),
        Panel("Webhook deliveries", "ops", [(_rate("hwe_webhook_deliveries_total", NS, "outcome"), "{{outcome}}")]),
        Panel(
            "Webhook backlog",
            "short",
            [(f"max by (state) (hwe_webhook_backlog{{{NS}}})", "{{state}}")],
        ),
        Panel(
            "Oldest webhook not delivered",
            "s",
            [(f"max(hwe_webhook_oldest_pending_seconds{{{NS}}})", "oldest pending")],
        ),
        Panel("Webhook attempt latency p95", "s", [(_quantile(0.95, "hwe_webhook_attempt_seconds"), "p95")]),
        Panel(
            "Audit archive",
            "short",
            [
                (_rate("hwe_audit_archived_records_total"), "records archived / s"),
                (f"max(hwe_audit_last_archive_seconds{{{NS}}})", "last pass (s)"),
                (f"sum(increase(hwe_audit_pruned_days_total{{{NS}}}[1d]))", "days pruned (1d)"),
            ],
        ),
    ],
)

API_OPERATOR = Board(
    "api-operator",
    "hwe-api-operator",
    "Highway / API and operator",
    "REST API traffic and latency, the Kubernetes operator's reconciles, and Vault tokens.",
    [
        Panel("Requests by status", "reqps", [(_rate("hwe_api_requests_total", NS, "status"), "{{status}}")]),
        Panel("Error ratio (5xx)", "percentunit", [(_ratio(API_5XX, API_ALL), "5xx / all")]),
        Panel(
            "Latency",
            "s",
            [
                (_quantile(0.5, "hwe_api_request_duration_seconds"), "p50"),
                (_quantile(0.95, "hwe_api_request_duration_seconds"), "p95"),
                (_quantile(0.99, "hwe_api_request_duration_seconds"), "p99"),
            ],
        ),
        Panel(
            "Slowest routes (p95)",
            "s",
            [(f"topk(10, {_quantile(0.95, 'hwe_api_request_duration_seconds', NS, 'route')})", "{{route}}")],
        ),
        Panel("Busiest routes", "reqps", [(f"topk(10, {_rate('hwe_api_requests_total', NS, 'route')})", "{{route}}")]),
        Panel("Operator reconciles", "ops", [(_rate("hwe_operator_reconciles_total", NS, "outcome"), "{{outcome}}")]),
        Panel(
            "Workflow resources by phase", "short", [(f"sum by (phase) (hwe_operator_resources{{{NS}}})", "{{phase}}")]
        ),
        Panel(
            "Operator calls to the API (p95)",
            "s",
            [(_quantile(0.95, "hwe_operator_engine_request_seconds", NS, "operation"), "{{operation}}")],
        ),
        Panel(
            "Vault token TTL",
            "s",
            [(f"min by (component) (hwe_vault_token_ttl_seconds{{{NS}}})", "{{component}}")],
        ),
        Panel(
            "Vault renewal failures",
            "ops",
            [(_rate("hwe_vault_token_renewal_failures_total", NS, "component"), "{{component}}")],
        ),
    ],
)

BOARDS = [OVERVIEW, QUEUES_WORKERS, SCHEDULER_TIMERS_AUDIT, API_OPERATOR]


def _variables() -> list[dashboard.DatasourceVariable | dashboard.QueryVariable]:
    datasource = dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus")
    namespace = (
        dashboard.QueryVariable("namespace")
        .label("Namespace")
        .datasource(DATASOURCE)
        .query('label_values(up{component!=""}, namespace)')
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
    )
    queue = (
        dashboard.QueryVariable("queue")
        .label("Queue")
        .datasource(DATASOURCE)
        .query('label_values(hwe_queue_tasks{namespace=~"$namespace"}, queue)')
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
    )
    return [datasource, namespace, queue]


def _panel(panel: Panel, panel_id: int, position: GridPos) -> timeseries.Panel | stat.Panel:
    built = timeseries.Panel() if panel.kind == "timeseries" else stat.Panel()
    built.id(panel_id).title(panel.title).unit(panel.unit).datasource(DATASOURCE).grid_pos(position)
    if panel.description:
        built.description(panel.description)
    for ref, (expr, legend) in zip("ABCDEFGH", panel.queries, strict=False):
        built.with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE))
    return built


def build(board: Board) -> dict[str, object]:
    """The dashboard as a JSON-ready dict."""
    builder = (
        dashboard.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags(["highway"])
        .editable()
        .time("now-6h", "now")
        .refresh("30s")
        .timezone("browser")
    )
    for variable in _variables():
        builder.with_variable(variable)
    for index, panel in enumerate(board.panels):
        position = GridPos(h=8, w=12, x=(index % 2) * 12, y=(index // 2) * 8)
        builder.with_panel(_panel(panel, index + 1, position))
    built: dict[str, object] = _without_nulls(json.loads(json.dumps(builder.build(), cls=JSONEncoder)))
    return built


def _without_nulls(value: Any) -> Any:
    # The SDK writes unset fields such as a panel's `options` as null, which Grafana reads as "broken", not "default".
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def render_all() -> dict[str, str]:
    """File name → the exact text the chart carries."""
    return {f"{b.name}.json": json.dumps(build(b), indent=2, sort_keys=True) + "\n" for b in BOARDS}


def main(argv: list[str] | None = None) -> int:
    """Writes the dashboards (or, with --check, reports the ones that differ); returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; fail when a file would change")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"the directory (default {OUTPUT})")
    args = parser.parse_args(argv)
    stale = []
    args.output.mkdir(parents=True, exist_ok=True)
    for name, text in render_all().items():
        path = args.output / name
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text)
    if args.check and stale:
        sys.stderr.write(f"stale dashboards (run make dashboards): {', '.join(stale)}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
