"""A tenant's health metrics over a recent window, with a severity per category, for monitoring and alerting.

Read by `GET /api/v1/health/metrics`. Two plain reads (hwe/sql/queries/read_health_window.sql and
read_health_live.sql): what the tenant's runs created in the window did, and the tenant's work in its queue
now. The severities are simple thresholds, documented in docs/api.md, meant for a dashboard's colours
rather than paging: `critical` needs attention now, `warning` is elevated.
"""

from __future__ import annotations

import re
from typing import Any

from hwe import db

MIN_WINDOW_SECONDS = 1
MAX_WINDOW_SECONDS = 7 * 24 * 3600
DEFAULT_INTERVAL = "15 minutes"
SEVERITIES = ("ok", "warning", "critical")
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_INTERVAL = re.compile(r"^\s*(\d{1,7})\s*(second|minute|hour|day)s?\s*$")
# A window whose finished runs failed at least this often is critical; any failure is a warning.
_CRITICAL_FAILURE_RATIO = 0.5
# This many tasks that needed more than one attempt in the window is a warning.
_WARNING_RETRIED_TASKS = 1


def parse_interval(text: str) -> int | None:
    """The window in seconds of `"<n> second|minute|hour|day[s]"`, or None when it is not one or out of range."""
    match = _INTERVAL.match(text)
    if match is None:
        return None
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    return seconds if MIN_WINDOW_SECONDS <= seconds <= MAX_WINDOW_SECONDS else None


def read_health_metrics(conn: db.Connection, tenant_id: str, queue_name: str, seconds: int) -> dict[str, Any]:
    """The tenant's metrics over the last `seconds`, by category, each with its severity, and the worst of them."""
    with conn.transaction():  # one snapshot for both reads
        window = db.execute(conn, "read_health_window", {"tenant_id": tenant_id, "seconds": seconds}, queue=queue_name)
        live = db.execute(conn, "read_health_live", {"tenant_id": tenant_id}, queue=queue_name)[0]
    row = window[0]
    by_state: dict[str, int] = {state: int(n) for state, n in row["runs_by_state"].items()}
    completed, failed = by_state.get("completed", 0), by_state.get("failed", 0)
    finished = completed + failed + by_state.get("cancelled", 0)
    failure_ratio = failed / finished if finished else 0.0
    categories: dict[str, dict[str, Any]] = {
        "critical": {
            "severity": "critical" if live["expired_leases"] else "ok",
            "expired_leases": live["expired_leases"],
        },
        "failures": {
            "severity": _failure_severity(failed, failure_ratio),
            "failed_runs": failed,
            "failure_ratio": round(failure_ratio, 4),
        },
        "resilience": {
            "severity": "warning" if row["retried_tasks"] >= _WARNING_RETRIED_TASKS else "ok",
            "retried_tasks": row["retried_tasks"],
            "extra_attempts": row["extra_attempts"],
            "max_attempts": row["max_attempts"],
        },
        "performance": {
            "severity": "ok",
            "completed_runs": completed,
            "throughput_per_minute": round(completed * 60 / seconds, 4),
            "avg_duration_seconds": _rounded(row["avg_duration_seconds"]),
            "max_duration_seconds": _rounded(row["max_duration_seconds"]),
        },
        "workers": {
            "severity": "warning" if live["workers"] == 0 and live["ready"] > 0 else "ok",
            "active_workers": live["workers"],
        },
        "workflows": {"severity": "ok", "by_state": by_state},
        "tasks": {"severity": "ok", "by_state": {state: int(n) for state, n in row["tasks_by_state"].items()}},
        "queues": {
            "severity": "ok",
            "queue_name": queue_name,
            **{name: live[name] for name in ("running", "ready", "scheduled", "sleeping")},
        },
    }
    worst = max((category["severity"] for category in categories.values()), key=SEVERITIES.index)
    return {
        "interval_seconds": seconds,
        "since": row["since"].isoformat(),
        "now": row["now"].isoformat(),
        "severity": worst,
        "categories": categories,
    }


def _failure_severity(failed: int, ratio: float) -> str:
    if ratio >= _CRITICAL_FAILURE_RATIO:
        return "critical"
    return "warning" if failed else "ok"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
