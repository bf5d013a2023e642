"""Read models for dashboards and operators: queue health, task and attempt lists, run statistics, events.

Every read is scoped by tenant and bounded. A tenant's tasks are the root tasks of its workflow runs (each
run row names its queue and task), and its queue attempts those tasks' runs, so every read is driven by an
index of `hwe.workflow_run` (or of the event log): `workflow_run_tenant_created_idx` over a time window of
at most `MAX_WINDOW`, or `workflow_run_unfinished_idx` for what is unfinished now (bounded by the backlog,
not the history), and reaches queue rows by their keys. Lists are cut by a limit and a bounded offset.
Called by the API; every function is a plain read on the caller's connection.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from hwe import db, errors, queue, runs

MAX_WINDOW = datetime.timedelta(days=30)
MAX_NAMES = 100
RUN_STATES = ("pending", "running", "sleeping", "waiting", "completed", "failed", "cancelled")
TASK_STATES = ("pending", "running", "sleeping", "completed", "failed", "cancelled")
ACTIVE_ATTEMPT_STATES = ("pending", "running", "sleeping")


@dataclass(frozen=True)
class Window:
    """A time window [since, until) of at most MAX_WINDOW, resolved against the engine clock."""

    since: datetime.datetime
    until: datetime.datetime

    def as_dict(self) -> dict[str, str]:
        """The window as the API answers it, in ISO 8601."""
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def resolve_window(
    conn: db.Connection,
    span: datetime.timedelta,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> Window:
    """The window ending at `until` (default now) and starting at `since` (default `until - span`).

    Raises:
        InvalidRequest: since is not before until, or the window is longer than MAX_WINDOW.
    """
    end = until if until is not None else queue.current_time(conn)
    try:
        start = since if since is not None else end - span
        length = end - start
    except OverflowError as err:  # a time in the first or last hours of the calendar
        raise errors.InvalidRequest("invalid_window", "since and until must lie within years 1 to 9999") from err
    if length <= datetime.timedelta(0):
        raise errors.InvalidRequest("invalid_window", "since must be before until")
    if length > MAX_WINDOW:
        raise errors.InvalidRequest("invalid_window", f"the time window is at most {MAX_WINDOW.days} days")
    return Window(start, end)


def queue_snapshot(conn: db.Connection, tenant_id: str, queue_name: str) -> dict[str, Any]:
    """The tenant's live work in its queue: unfinished runs by state, attempts due, running, and their ages."""
    row = db.execute(conn, "queue_snapshot", {"tenant_id": tenant_id, "queue_name": queue_name}, queue=queue_name)[0]
    now: datetime.datetime = row["now"]
    by_state = {state: int(row["runs_by_state"].get(state, 0)) for state in RUN_STATES[:4]}
    return {
        "queue_name": queue_name,
        "runs_by_state": by_state,
        "unfinished_runs": sum(by_state.values()),
        "attempts": {
            "ready": row["ready"],
            "sleeping": row["sleeping"],
            "running": row["running"],
            "expired_leases": row["expired_leases"],
        },
        "workers": row["workers"],
        "oldest_pending_seconds": _age(now, row["oldest_pending_at"]),
        "oldest_ready_seconds": _age(now, row["oldest_ready_at"]),
        "as_of": now.isoformat(),
    }


def queue_detail(conn: db.Connection, tenant_id: str, queue_name: str, window: Window) -> dict[str, Any]:
    """The snapshot of a queue, its unfinished runs by workflow name, and its tasks created in the window."""
    workflows = db.execute(
        conn, "queue_workflows", {"tenant_id": tenant_id, "queue_name": queue_name, "limit": MAX_NAMES}
    )
    return {
        **queue_snapshot(conn, tenant_id, queue_name),
        "unfinished_by_workflow": [
            {
                "workflow_name": row["workflow_name"],
                "total": row["total"],
                **{state: row[state] for state in RUN_STATES[:4]},
                "oldest_created_at": row["oldest_created_at"].isoformat(),
            }
            for row in workflows
        ],
        "tasks": task_distribution(conn, tenant_id, queue_name, window),
    }


def task_distribution(conn: db.Connection, tenant_id: str, queue_name: str, window: Window) -> dict[str, Any]:
    """Counts the tenant's tasks created in the window by state, overall and for the busiest workflow names."""
    rows = db.execute(
        conn,
        "task_distribution",
        {"tenant_id": tenant_id, "queue_name": queue_name, "since": window.since, "until": window.until},
        queue=queue_name,
    )
    by_state = dict.fromkeys(TASK_STATES, 0)
    by_workflow: dict[str, dict[str, int]] = {}
    for row in rows:
        if row["overall"]:
            by_state[row["state"]] = row["n"]
        else:
            by_workflow.setdefault(row["workflow_name"], dict.fromkeys(TASK_STATES, 0))[row["state"]] = row["n"]
    busiest = sorted(by_workflow.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:MAX_NAMES]
    return {
        "total": sum(by_state.values()),
        "by_state": by_state,
        "by_queue": {queue_name: by_state},
        "by_workflow": dict(busiest),
        "time_range": window.as_dict(),
    }


def list_tasks(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    window: Window,
    state: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One page (newest first) of the tenant's tasks created in the window; `limit` rows at most."""
    rows = db.execute(
        conn,
        "list_tasks",
        {
            "tenant_id": tenant_id,
            "queue_name": queue_name,
            "since": window.since,
            "until": window.until,
            "state": state,
            "limit": limit,
            "offset": offset,
        },
        queue=queue_name,
    )
    return [_json(row, "task_id", "workflow_run_id") for row in rows]


def get_task(
    conn: db.Connection, tenant_id: str, queue_name: str, task_id: uuid.UUID, max_checkpoints: int
) -> dict[str, Any]:
    """One task with all its attempts and its first `max_checkpoints` checkpoints (names, not values).

    Raises:
        NotFound: no such task in the tenant's queue.
    """
    rows = db.execute(conn, "get_task", {"task_id": task_id, "tenant_id": tenant_id}, queue=queue_name)
    if not rows:
        raise errors.NotFound(f"task {task_id} not found")
    checkpoints = db.execute(
        conn, "list_task_checkpoints", {"task_id": task_id, "limit": max_checkpoints}, queue=queue_name
    )
    attempts = runs.list_run_attempts(conn, queue_name, task_id)
    return {
        **_json(rows[0], "task_id", "workflow_run_id"),
        "queue_name": queue_name,
        "runs": [_json(row, "run_id") for row in attempts],
        "checkpoint_count": checkpoints[0]["total"] if checkpoints else 0,
        "checkpoints": [_json({k: v for k, v in row.items() if k != "total"}, "owner_run_id") for row in checkpoints],
    }


def list_active_runs(
    conn: db.Connection, tenant_id: str, queue_name: str, state: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page (newest first) of the tenant's unfinished queue attempts; `limit` rows at most."""
    rows = db.execute(
        conn,
        "list_active_runs",
        {"tenant_id": tenant_id, "queue_name": queue_name, "state": state, "limit": limit, "offset": offset},
        queue=queue_name,
    )
    return [_json(row, "run_id", "task_id", "workflow_run_id") for row in rows]


def get_queue_run(conn: db.Connection, tenant_id: str, queue_name: str, run_id: uuid.UUID) -> dict[str, Any]:
    """One queue attempt with its task's workflow run.

    Raises:
        NotFound: no such attempt in the tenant's queue.
    """
    rows = db.execute(conn, "get_queue_run", {"run_id": run_id, "tenant_id": tenant_id}, queue=queue_name)
    if not rows:
        raise errors.NotFound(f"run {run_id} not found")
    return {**_json(rows[0], "run_id", "task_id", "workflow_run_id"), "queue_name": queue_name}


def list_attempt_checkpoints(
    conn: db.Connection, tenant_id: str, queue_name: str, run_id: uuid.UUID, limit: int, offset: int
) -> dict[str, Any]:
    """One page of the checkpoints (with values) one queue attempt committed, in step order.

    Raises:
        NotFound: no such attempt in the tenant's queue.
    """
    attempt = get_queue_run(conn, tenant_id, queue_name, run_id)
    rows = db.execute(
        conn,
        "list_attempt_checkpoints",
        {"task_id": uuid.UUID(attempt["task_id"]), "run_id": run_id, "limit": limit, "offset": offset},
        queue=queue_name,
    )
    return {
        "run_id": attempt["run_id"],
        "task_id": attempt["task_id"],
        "workflow_run_id": attempt["workflow_run_id"],
        "items": [_json(row) for row in rows],
    }


def workflow_stats(
    conn: db.Connection, tenant_id: str, window: Window, workflow_name: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Counts and duration percentiles of the tenant's runs created in the window: overall, and by name.

    The overall row is always there (zeros for an empty window); at most MAX_NAMES names, busiest first.
    """
    rows = db.execute(
        conn,
        "workflow_stats",
        {
            "tenant_id": tenant_id,
            "since": window.since,
            "until": window.until,
            "workflow_name": workflow_name,
            "limit": MAX_NAMES + 1,
        },
    )
    overall = [_stats(row, window) for row in rows if row["overall"]]
    return overall[0], [_stats(row, window) for row in rows if not row["overall"]]


def workflow_run_metrics(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> dict[str, Any]:
    """One run's step count, attempts, retries, checkpoints, events, durations and wait before its first claim.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    where = runs.find_run_queue(conn, tenant_id, workflow_run_id)
    rows = db.execute(
        conn,
        "workflow_run_metrics",
        {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id},
        queue=where["queue_name"],
    )
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    row = rows[0]
    created, started, finished, now = row["created_at"], row["started_at"], row["finished_at"], row["now"]
    return {
        "workflow_run_id": str(row["workflow_run_id"]),
        "workflow_name": row["workflow_name"],
        "status": row["state"],
        "current_step": row["current_step"],
        "step_count": row["progress_total"],
        "steps_completed": row["progress_completed"],
        "attempts": row["attempts"],
        "retry_count": max(row["attempts"] - 1, 0) + row["step_retries"],
        "step_retries": row["step_retries"],
        "failed_step_attempts": row["failed_steps"],
        "checkpoint_count": row["checkpoints"],
        "event_count": row["audit_events"],
        "child_runs": row["child_runs"],
        "wait_seconds": _seconds(created, started or (None if finished else now)),
        "run_seconds": None if started is None else _seconds(started, finished or now),
        "duration_seconds": _seconds(created, finished or now),
        **{name: _iso(row[name]) for name in ("created_at", "started_at", "finished_at", "updated_at")},
    }


def event_counts(
    conn: db.Connection,
    tenant_id: str,
    window: Window,
    workflow_run_id: uuid.UUID | None,
    event_type: str | None,
    limit: int,
) -> dict[str, Any]:
    """The tenant's audit records in the window counted by type, and the newest `limit` of them."""
    params = {
        "tenant_id": tenant_id,
        "since": window.since,
        "until": window.until,
        "workflow_run_id": workflow_run_id,
        "event_type": event_type,
    }
    counts = db.execute(conn, "count_events_by_type", {**params, "limit": MAX_NAMES})
    recent = db.execute(conn, "list_recent_events", {**params, "limit": limit})
    return {
        "total": sum(row["n"] for row in counts),
        "by_type": [
            {
                "event_type": row["event_type"],
                "count": row["n"],
                "first_at": row["first_at"].isoformat(),
                "last_at": row["last_at"].isoformat(),
            }
            for row in counts
        ],
        "events": [_json(row, "workflow_run_id", "run_id") for row in recent],
        "time_range": window.as_dict(),
    }


def live_snapshot(conn: db.Connection, tenant_id: str, queue_name: str, window: Window, limit: int) -> dict[str, Any]:
    """The queue snapshot, the running attempts (newest first, at most `limit`) and recent event counts."""
    running = list_active_runs(conn, tenant_id, queue_name, "running", limit, 0)
    events = event_counts(conn, tenant_id, window, None, None, 1)
    return {
        **queue_snapshot(conn, tenant_id, queue_name),
        "count": len(running),
        "tasks": running,
        "recent_events": {row["event_type"]: row["count"] for row in events["by_type"]},
        "time_range": window.as_dict(),
    }


def _stats(row: db.Row, window: Window) -> dict[str, Any]:
    finished = row["completed"] + row["failed"] + row["cancelled"]
    hours = (window.until - window.since).total_seconds() / 3600
    return {
        "workflow_name": row["workflow_name"],
        "total_workflows": row["total"],
        "status_breakdown": {state: row[state] for state in RUN_STATES},
        "finished": finished,
        "success_rate": None if finished == 0 else row["completed"] / finished,
        "throughput_per_hour": finished / hours,
        **{
            f"{name}_seconds": row[name]
            for name in (
                "avg_duration",
                "p50_duration",
                "p95_duration",
                "p99_duration",
                "max_duration",
                "total_duration",
                "avg_wait",
                "p50_wait",
                "p95_wait",
            )
        },
    }


def _json(row: db.Row, *ids: str) -> dict[str, Any]:
    """A row as JSON: the named uuid columns as strings, every time as ISO 8601."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in ids or isinstance(value, uuid.UUID):
            out[key] = None if value is None else str(value)
        elif isinstance(value, datetime.datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _age(now: datetime.datetime, since: datetime.datetime | None) -> float | None:
    return None if since is None else max((now - since).total_seconds(), 0.0)


def _seconds(start: datetime.datetime, end: datetime.datetime | None) -> float | None:
    return None if end is None else max((end - start).total_seconds(), 0.0)


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()
