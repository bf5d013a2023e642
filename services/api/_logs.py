"""Routes of logs: each task attempt's output, by workflow, task and activity.

What a task attempt wrote (stdout, stderr, and the tool's own `log` lines) is stored with the attempt, capped
per stream (see `hwe.task_logs`); these views read it back, the caller's tenant's only, page by page.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import activities, db, errors, task_logs, tenants
from services.api import _activities, _log_schemas, _query, _state

STATES = _activities.STATES
# The query parameters of a page of log entries.
ENTRY_PARAMETERS = ("stream", "limit", "cursor")


OPENAPI_SCHEMAS = _log_schemas.SCHEMAS


async def list_workflow_logs(request: Request) -> Response:
    """Lists the tenant's runs, newest first, each with how much output its task attempts stored.

    Filters: `workflow_name`, `status` (the run's state), `since` and `until` (its creation, ISO 8601).
    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: workflow_name, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: status, in: query, schema: {type: string, enum: [pending, running, sleeping, waiting, completed,
         failed, cancelled]}}
      - {name: since, in: query, schema: {type: string, format: date-time}}
      - {name: until, in: query, schema: {type: string, format: date-time}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: one page of runs, x-data: WorkflowLogPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("workflow_name", "status", "since", "until", "limit", "cursor"))
    limit = _query.integer(query, "limit", 100, 1, 1000)
    after_created_at, after_id = _query.read_keyset_cursor(query)
    filters = {
        "workflow_name": _query.text(query, "workflow_name"),
        "state": _query.choice(query, "status", STATES),
        "since": _query.time(query, "since"),
        "until": _query.time(query, "until"),
        "after_created_at": after_created_at,
        "after_id": after_id,
        "limit": limit + 1,
    }
    rows, counts = await _state.get(request).call(_log_runs, principal.tenant_id, filters)
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = _query.keyset_cursor(page[-1]["created_at"], page[-1]["workflow_run_id"]) if more else None
    items = [_run(row, counts.get(str(row["workflow_run_id"]))) for row in page]
    return _state.success({"workflows": items, "limit": limit, "next_cursor": next_cursor})


def _log_runs(conn: db.Connection, tenant_id: str, filters: dict[str, Any]) -> tuple[list[db.Row], dict[str, db.Row]]:
    rows = task_logs.list_log_runs(conn, tenant_id, filters)
    return rows, task_logs.summarize_run_logs(conn, tenant_id, [row["workflow_run_id"] for row in rows])


async def get_workflow_log(request: Request) -> Response:
    """Reads one run's log summary: its output counts and, per task that stored output, its attempts.

    ---
    tags: [logs]
    x-role: viewer
    responses:
      200: {description: the run's log summary, x-data: WorkflowLogDetail}
    """
    principal = await _state.authenticate(request, require="viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    row, counts, tasks = await _state.get(request).call(_run_detail, principal.tenant_id, run_id)
    detail = _run(row, counts)
    detail["tasks"] = [_task(task) for task in tasks]
    return _state.success(detail)


def _run_detail(conn: db.Connection, tenant_id: str, run_id: uuid.UUID) -> tuple[db.Row, db.Row | None, list[db.Row]]:
    row = task_logs.find_log_run(conn, tenant_id, run_id)
    counts = task_logs.summarize_run_logs(conn, tenant_id, [run_id]).get(str(run_id))
    return row, counts, task_logs.summarize_run_tasks(conn, tenant_id, run_id)


async def get_task_log(request: Request) -> Response:
    """Lists what every attempt of one task wrote, in commit order: attempt, stream, text, truncation, times.

    A task that stored no output answers an empty list. `stream` keeps one stream.
    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: stream, in: query, schema: {type: string, enum: [stdout, stderr, log]}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: one page of the task's output, x-data: LogEntryPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    page = await _entries(request, principal, request.path_params["task_id"], _query.query(request, ENTRY_PARAMETERS))
    return _state.success({**page, "task_id": request.path_params["task_id"]})


async def list_step_logs(request: Request) -> Response:
    """Lists what the run's task attempts wrote, in commit order; `step_name` keeps one task's.

    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: step_name, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: stream, in: query, schema: {type: string, enum: [stdout, stderr, log]}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: one page of the run's output, x-data: LogEntryPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, (*ENTRY_PARAMETERS, "step_name"))
    step_name = _query.text(query, "step_name")
    return _state.success({**await _entries(request, principal, step_name, query), "step_name": step_name})


async def get_step_logs(request: Request) -> Response:
    """Lists what every attempt of one step (task) wrote, in commit order; as the task log.

    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: stream, in: query, schema: {type: string, enum: [stdout, stderr, log]}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: one page of the step's output, x-data: LogEntryPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    step_name = request.path_params["step_name"]
    query = _query.query(request, ENTRY_PARAMETERS)
    return _state.success({**await _entries(request, principal, step_name, query), "step_name": step_name})


async def _entries(
    request: Request, principal: tenants.Principal, task_id: str | None, query: Mapping[str, str]
) -> dict[str, Any]:
    """One page of the run's entries (of one task when `task_id` is given), by the query's stream and cursor."""
    run_id = _state.path_uuid(request, "workflow_run_id")
    stream = _query.choice(query, "stream", task_logs.STREAMS)
    limit = _query.integer(query, "limit", 50, 1, 200)
    after = _query.read_row_cursor(query)
    state = _state.get(request)
    rows = await state.call(run_log_entries, principal.tenant_id, run_id, task_id, stream, after, limit + 1)
    page = rows[:limit]
    next_cursor = str(page[-1]["log_id"]) if len(rows) > limit else None
    return {
        "workflow_run_id": str(run_id),
        "entries": [entry(row) for row in page],
        "limit": limit,
        "next_cursor": next_cursor,
    }


def run_log_entries(
    conn: db.Connection,
    tenant_id: str,
    run_id: uuid.UUID,
    task_id: str | None,
    stream: str | None,
    after: int,
    limit: int,
) -> list[db.Row]:
    task_logs.find_log_run(conn, tenant_id, run_id)
    return task_logs.list_task_logs(conn, tenant_id, run_id, task_id=task_id, stream=stream, after=after, limit=limit)


async def list_run_activity_logs(request: Request) -> Response:
    """Lists the activities a run started, with how much output each stored.

    `include_logs=true` adds each activity's first 20 entries (and then lists at most 100 activities).
    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: include_logs, in: query, schema: {type: boolean, default: false}}
    responses:
      200: {description: the run's activities, x-data: RunActivityLogs}
    """
    principal = await _state.authenticate(request, require="viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    include = _query.boolean(_query.query(request, ("include_logs",)), "include_logs", False)
    rows, counts, logs = await _state.get(request).call(_run_activity_logs, principal.tenant_id, run_id, include)
    items = []
    for row in rows:
        activity = _activity(row, counts.get(str(row["activity_id"])))
        if include:
            activity["captured_logs"] = [entry(log) for log in logs[str(row["activity_id"])]]
        items.append(activity)
    summary = {
        "total_activities": len(rows),
        "completed": sum(row["state"] == "completed" for row in rows),
        "failed": sum(row["state"] == "failed" for row in rows),
    }
    return _state.success({"workflow_run_id": str(run_id), "activities": items, "summary": summary})


def _run_activity_logs(
    conn: db.Connection, tenant_id: str, run_id: uuid.UUID, include: bool
) -> tuple[list[db.Row], dict[str, db.Row], dict[str, list[db.Row]]]:
    task_logs.find_log_run(conn, tenant_id, run_id)
    rows = activities.list_run_activities(conn, tenant_id, run_id, True, 100 if include else 1000)
    counts = task_logs.summarize_run_logs(conn, tenant_id, [row["activity_id"] for row in rows])
    logs = {}
    if include:
        for row in rows:
            logs[str(row["activity_id"])] = task_logs.list_task_logs(
                conn, tenant_id, row["activity_id"], task_id=None, stream=None, after=0, limit=20
            )
    return rows, counts, logs


async def get_activity_log(request: Request) -> Response:
    """Reads one activity of the run with what its attempts wrote (`captured_logs`, page by page).

    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: stream, in: query, schema: {type: string, enum: [stdout, stderr, log]}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: the activity and its output, x-data: ActivityLog}
    """
    principal = await _state.authenticate(request, require="viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    activity_id = _state.path_uuid(request, "activity_id")
    query = _query.query(request, ENTRY_PARAMETERS)
    stream = _query.choice(query, "stream", task_logs.STREAMS)
    limit = _query.integer(query, "limit", 50, 1, 200)
    after = _query.read_row_cursor(query)
    row, counts, logs = await _state.get(request).call(
        _activity_log, principal.tenant_id, run_id, activity_id, stream, after, limit + 1
    )
    page = logs[:limit]
    detail = _activity(row, counts)
    detail["captured_logs"] = [entry(log) for log in page]
    detail["next_cursor"] = str(page[-1]["log_id"]) if len(logs) > limit else None
    return _state.success(detail)


def _activity_log(
    conn: db.Connection,
    tenant_id: str,
    run_id: uuid.UUID,
    activity_id: uuid.UUID,
    stream: str | None,
    after: int,
    limit: int,
) -> tuple[db.Row, db.Row | None, list[db.Row]]:
    row = activities.get_activity(conn, tenant_id, activity_id)
    if row["parent_run_id"] != run_id:
        raise errors.NotFound(f"run {run_id} has no activity {activity_id}")
    counts = task_logs.summarize_run_logs(conn, tenant_id, [activity_id]).get(str(activity_id))
    logs = task_logs.list_task_logs(conn, tenant_id, activity_id, task_id=None, stream=stream, after=after, limit=limit)
    return row, counts, logs


async def list_activity_logs(request: Request) -> Response:
    """Lists the tenant's activities, newest first, with how much output each stored.

    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: one page of activities, x-data: ActivityLogPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("limit", "cursor"))
    limit = _query.integer(query, "limit", 100, 1, 500)
    after_created_at, after_id = _query.read_keyset_cursor(query)
    filters = {
        "state": None,
        "parent_run_id": None,
        "worker_id": None,
        "function_name": None,
        "after_created_at": after_created_at,
        "after_id": after_id,
        "limit": limit + 1,
    }
    rows, counts = await _state.get(request).call(_activity_logs, principal.tenant_id, filters)
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = _query.keyset_cursor(page[-1]["created_at"], page[-1]["activity_id"]) if more else None
    items = [_activity(row, counts.get(str(row["activity_id"]))) for row in page]
    return _state.success({"activities": items, "limit": limit, "next_cursor": next_cursor})


def _activity_logs(
    conn: db.Connection, tenant_id: str, filters: dict[str, Any]
) -> tuple[list[db.Row], dict[str, db.Row]]:
    rows = activities.list_activities(conn, tenant_id, filters)
    return rows, task_logs.summarize_run_logs(conn, tenant_id, [row["activity_id"] for row in rows])


async def get_log_stats(request: Request) -> Response:
    """Counts the tenant's stored task output: entries, runs, bytes written, kept and dropped, per stream.

    Over at most the 100000 newest entries (`counted_all` says whether that was all), optionally of one
    `workflow_name` and logged between `since` and `until` (ISO 8601).
    ---
    tags: [logs]
    x-role: viewer
    parameters:
      - {name: workflow_name, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: since, in: query, schema: {type: string, format: date-time}}
      - {name: until, in: query, schema: {type: string, format: date-time}}
    responses:
      200: {description: the counts, x-data: LogStats}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("workflow_name", "since", "until"))
    row = await _state.get(request).call(
        task_logs.summarize_task_logs,
        principal.tenant_id,
        _query.text(query, "workflow_name"),
        _query.time(query, "since"),
        _query.time(query, "until"),
    )
    return _state.success(
        {
            "total_workflows": row["workflows"],
            "total_entries": row["counted"],
            "size_bytes": row["size_bytes"],
            "stored_bytes": row["size_bytes"] - row["dropped_bytes"],
            "dropped_bytes": row["dropped_bytes"],
            "truncated_entries": row["truncated_entries"],
            "failed_attempt_entries": row["failed_attempt_entries"],
            "streams": {
                stream: {"entries": row[f"{stream}_entries"], "size_bytes": row[f"{stream}_bytes"]}
                for stream in task_logs.STREAMS
            },
            "first_logged_at": _iso(row["first_logged_at"]),
            "last_logged_at": _iso(row["last_logged_at"]),
            "counted_all": row["counted"] < task_logs.STATS_ROWS,
        }
    )


def entry(row: db.Row) -> dict[str, Any]:
    """One stored stream of one attempt, as the API shows it."""
    return {
        "log_id": row["log_id"],
        "task_id": row["task_id"],
        "attempt": row["attempt"],
        "stream": row["stream"],
        "content": row["content"],
        "size_bytes": row["size_bytes"],
        "dropped_bytes": row["dropped_bytes"],
        "truncated": row["dropped_bytes"] > 0,
        "status": row["status"],
        "tool": row["tool"],
        "started_at": row["started_at"].isoformat(),
        "logged_at": row["logged_at"].isoformat(),
    }


def _counts(counts: db.Row | None) -> dict[str, Any]:
    counts = counts or {}
    return {
        "captured_logs_count": counts.get("entries", 0),
        "log_size_bytes": counts.get("size_bytes", 0),
        "dropped_bytes": counts.get("dropped_bytes", 0),
        "truncated_entries": counts.get("truncated_entries", 0),
        "log_level_counts": {stream: counts.get(f"{stream}_entries", 0) for stream in task_logs.STREAMS},
        "last_logged_at": _iso(counts.get("last_logged_at")),
    }


def _run(row: db.Row, counts: db.Row | None) -> dict[str, Any]:
    started, finished, error = row["started_at"], row["finished_at"], row["error"]
    return {
        "workflow_run_id": str(row["workflow_run_id"]),
        "workflow_name": row["workflow_name"],
        "status": row["state"],
        "parent_run_id": None if row["parent_run_id"] is None else str(row["parent_run_id"]),
        "created_at": row["created_at"].isoformat(),
        "started_at": _iso(started),
        "completed_at": _iso(finished),
        "duration_ms": round((finished - started).total_seconds() * 1000) if started and finished else None,
        "error_message": error.get("message") if isinstance(error, dict) else None,
        **_counts(counts),
    }


def _task(row: db.Row) -> dict[str, Any]:
    return {
        "task_id": row["task_id"],
        "attempts": row["attempts"],
        "last_attempt": row["last_attempt"],
        "entries": row["entries"],
        "size_bytes": row["size_bytes"],
        "dropped_bytes": row["dropped_bytes"],
        "last_status": row["last_status"],
        "tool": row["tool"],
        "first_started_at": row["first_started_at"].isoformat(),
        "last_logged_at": row["last_logged_at"].isoformat(),
    }


def _activity(row: db.Row, counts: db.Row | None) -> dict[str, Any]:
    return {**_activities.item(row), **_counts(counts)}


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


routes = [
    Route("/api/v1/logs/workflows", list_workflow_logs, methods=["GET"]),
    Route("/api/v1/logs/workflows/{workflow_run_id}", get_workflow_log, methods=["GET"]),
    Route("/api/v1/logs/workflows/{workflow_run_id}/tasks/{task_id}", get_task_log, methods=["GET"]),
    Route("/api/v1/logs/workflows/{workflow_run_id}/activities", list_run_activity_logs, methods=["GET"]),
    Route("/api/v1/logs/workflows/{workflow_run_id}/activities/{activity_id}", get_activity_log, methods=["GET"]),
    Route("/api/v1/logs/activities", list_activity_logs, methods=["GET"]),
    Route("/api/v1/logs/stats", get_log_stats, methods=["GET"]),
    # Registered before the run views' /workflows/{id}/steps/{step_name}, which would take `logs` for a step.
    Route("/api/v1/workflows/{workflow_run_id}/steps/logs", list_step_logs, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/steps/{step_name}/logs", get_step_logs, methods=["GET"]),
]
