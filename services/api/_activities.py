"""Routes of activities: the activity child runs of a workflow and their heartbeats.

An activity is the run an `activity` task starts for its function (see `hwe.activities`); its `activity_id`
is that run's id, so `/api/v1/workflows/{id}` shows it too. Every view is the caller's tenant's only.
"""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import activities, db, errors, task_logs
from services.api import _changes, _query, _state

STATES = ("pending", "running", "sleeping", "waiting", "completed", "failed", "cancelled")
DEFAULT_STALE_SECONDS = 60
MAX_RETENTION_HOURS = 24 * 365

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
Activity:
  type: object
  required: [activity_id, workflow_run_id, activity_name, function_name, status, error_message, created_at,
             started_at, completed_at, duration_ms, last_heartbeat_at, worker_id, attempt, heartbeat_timeout_seconds]
  properties:
    activity_id: {type: string, format: uuid, description: "the activity's own run"}
    workflow_run_id: {type: string, format: uuid, description: the run whose activity task started it}
    activity_name: {type: string, description: the activity task's id}
    function_name: {type: [string, "null"], description: the tool it runs}
    status: {type: string, enum: [pending, running, sleeping, waiting, completed, failed, cancelled]}
    error_message: {type: [string, "null"]}
    created_at: {type: string, format: date-time}
    started_at: {type: [string, "null"], format: date-time}
    completed_at: {type: [string, "null"], format: date-time}
    duration_ms: {type: [integer, "null"]}
    last_heartbeat_at: {type: [string, "null"], format: date-time}
    worker_id: {type: [string, "null"], description: the worker of the last heartbeat}
    attempt: {type: [integer, "null"], description: the attempt of the last heartbeat}
    heartbeat_timeout_seconds: {type: [number, "null"], description: "the lease: a heartbeat older than this is late"}
Heartbeat:
  type: object
  required: [beat_at, attempt, worker_id, timeout_seconds]
  properties:
    beat_at: {type: string, format: date-time}
    attempt: {type: integer}
    worker_id: {type: [string, "null"]}
    timeout_seconds: {type: number}
ActivityDetail:
  allOf:
    - {$ref: '#/components/schemas/Activity'}
    - type: object
      required: [result, args, kwargs, heartbeat_count]
      properties:
        result: {description: the activity run's result once completed}
        args: {type: array}
        kwargs: {type: object}
        heartbeat_count: {type: integer}
        heartbeats: {type: array, items: {$ref: '#/components/schemas/Heartbeat'}}
ActivityPage:
  type: object
  required: [activities, limit, next_cursor]
  properties:
    activities: {type: array, items: {$ref: '#/components/schemas/Activity'}}
    limit: {type: integer}
    next_cursor: {type: [string, "null"], description: "pass as cursor for the next page; null on the last"}
HeartbeatList:
  type: object
  required: [activity_id, heartbeats, limit]
  properties:
    activity_id: {type: string, format: uuid}
    heartbeats: {type: array, items: {$ref: '#/components/schemas/Heartbeat'}}
    limit: {type: integer}
StaleActivities:
  type: object
  required: [activities, threshold_seconds, limit]
  properties:
    activities: {type: array, items: {$ref: '#/components/schemas/Activity'}}
    threshold_seconds: {type: [number, "null"], description: "null: each activity's own heartbeat timeout"}
    limit: {type: integer}
ActivityStatus:
  type: object
  required: [counts, total, stale, stale_threshold_seconds, counted_all, workers]
  properties:
    counts:
      type: object
      required: [pending, running, sleeping, waiting, completed, failed, cancelled]
      additionalProperties: {type: integer}
    total: {type: integer}
    stale: {type: integer}
    stale_threshold_seconds: {type: number}
    counted_all: {type: boolean, description: "false: only the 100000 newest activities were counted"}
    workers:
      type: array
      items:
        type: object
        required: [worker_id, running]
        properties:
          worker_id: {type: string}
          running: {type: array, items: {type: string, format: uuid}}
RunActivities:
  type: object
  required: [workflow_run_id, activities]
  properties:
    workflow_run_id: {type: string, format: uuid}
    activities: {type: array, items: {$ref: '#/components/schemas/Activity'}}
HeartbeatCleanupRequest:
  type: object
  additionalProperties: false
  properties:
    retention_hours: {type: number, minimum: 0, maximum: 8760, default: 24}
HeartbeatCleanup:
  type: object
  required: [deleted, retention_hours, more]
  properties:
    deleted: {type: integer}
    retention_hours: {type: number}
    more: {type: boolean, description: "true: the call deleted its maximum (10000); call again for the rest"}
""")


async def list_activities(request: Request) -> Response:
    """Lists the tenant's activities, newest first, one page at a time.

    Filters: `status`, `workflow_run_id` (the run that started them), `worker_id` (of the last heartbeat) and
    `function_name` (a part of it, any case). Pass a page's `next_cursor` as `cursor` for the next one.
    ---
    tags: [activities]
    x-role: viewer
    parameters:
      - {name: status, in: query, schema: {type: string, enum: [pending, running, sleeping, waiting, completed,
         failed, cancelled]}}
      - {name: workflow_run_id, in: query, schema: {type: string, format: uuid}}
      - {name: worker_id, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: function_name, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200: {description: one page of activities, x-data: ActivityPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("status", "workflow_run_id", "worker_id", "function_name", "limit", "cursor"))
    limit = _query.integer(query, "limit", 100, 1, 500)
    after_created_at, after_id = _query.read_keyset_cursor(query)
    filters = {
        "state": _query.choice(query, "status", STATES),
        "parent_run_id": _query.identifier(query, "workflow_run_id"),
        "worker_id": _query.text(query, "worker_id"),
        "function_name": _query.text(query, "function_name"),
        "after_created_at": after_created_at,
        "after_id": after_id,
        "limit": limit + 1,
    }
    rows = await _state.get(request).call(activities.list_activities, principal.tenant_id, filters)
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = _query.keyset_cursor(page[-1]["created_at"], page[-1]["activity_id"]) if more else None
    return _state.success({"activities": [item(row) for row in page], "limit": limit, "next_cursor": next_cursor})


async def list_stale_activities(request: Request) -> Response:
    """Lists running activities whose last heartbeat is late: older than `threshold` seconds, or, without one,
    than each activity's own heartbeat timeout (its lease); the longest silent first.

    ---
    tags: [activities]
    x-role: viewer
    parameters:
      - {name: threshold, in: query, description: seconds without a heartbeat,
         schema: {type: number, minimum: 0, maximum: 31536000}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
    responses:
      200: {description: the stale activities, x-data: StaleActivities}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("threshold", "limit"))
    threshold = _query.number(query, "threshold", 0, 31_536_000)
    limit = _query.integer(query, "limit", 100, 1, 500)
    rows = await _state.get(request).call(activities.list_stale_activities, principal.tenant_id, threshold, limit)
    return _state.success({"activities": [item(row) for row in rows], "threshold_seconds": threshold, "limit": limit})


async def get_activity_status(request: Request) -> Response:
    """Counts the tenant's activities by status, with the stale running ones and the workers running them.

    `stale_threshold` (seconds without a heartbeat, default 60) decides what is stale here.
    ---
    tags: [activities]
    x-role: viewer
    parameters:
      - {name: stale_threshold, in: query, schema: {type: number, minimum: 0, maximum: 31536000, default: 60}}
    responses:
      200: {description: the status overview, x-data: ActivityStatus}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("stale_threshold",))
    threshold = _query.number(query, "stale_threshold", 0, 31_536_000)
    threshold = DEFAULT_STALE_SECONDS if threshold is None else threshold
    counts, running = await _state.get(request).call(_status, principal.tenant_id, threshold)
    workers: dict[str, list[str]] = {}
    for row in running:
        if row["worker_id"] is not None:
            workers.setdefault(row["worker_id"], []).append(str(row["activity_id"]))
    return _state.success(
        {
            "counts": {state: counts[state] for state in STATES},
            "total": counts["counted"],
            "stale": counts["stale"],
            "stale_threshold_seconds": threshold,
            "counted_all": counts["counted"] < activities.STATUS_ROWS,
            "workers": [{"worker_id": worker, "running": ids} for worker, ids in sorted(workers.items())],
        }
    )


def _status(conn: db.Connection, tenant_id: str, threshold: float) -> tuple[db.Row, list[db.Row]]:
    counts = activities.count_activities(conn, tenant_id, threshold)
    filters = {
        "state": "running",
        "parent_run_id": None,
        "worker_id": None,
        "function_name": None,
        "after_created_at": None,
        "after_id": None,
        "limit": 500,
    }
    return counts, activities.list_activities(conn, tenant_id, filters)


async def get_activity(request: Request) -> Response:
    """Reads one activity: status, function and arguments, timing, result, run and heartbeats.

    `include_heartbeats` (default true) adds the newest `heartbeat_limit` (default 50) heartbeats.
    ---
    tags: [activities]
    x-role: viewer
    parameters:
      - {name: include_heartbeats, in: query, schema: {type: boolean, default: true}}
      - {name: heartbeat_limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 50}}
    responses:
      200: {description: the activity, x-data: ActivityDetail}
    """
    principal = await _state.authenticate(request, require="viewer")
    activity_id = _state.path_uuid(request, "activity_id")
    query = _query.query(request, ("include_heartbeats", "heartbeat_limit"))
    include = _query.boolean(query, "include_heartbeats", True)
    limit = _query.integer(query, "heartbeat_limit", 50, 1, 500)
    row, beats = await _state.get(request).call(_detail, principal.tenant_id, activity_id, limit if include else 0)
    detail = item(row)
    task = row["task"] or {}
    detail.update(
        result=row["result"],
        args=task.get("args") or [],
        kwargs=task.get("kwargs") or {},
        heartbeat_count=row["heartbeat_count"],
    )
    if include:
        detail["heartbeats"] = [heartbeat(beat) for beat in beats]
    return _state.success(detail)


def _detail(conn: db.Connection, tenant_id: str, activity_id: Any, limit: int) -> tuple[db.Row, list[db.Row]]:
    row = activities.get_activity(conn, tenant_id, activity_id)
    beats = activities.list_activity_heartbeats(conn, tenant_id, activity_id, limit) if limit else []
    return row, beats


async def list_activity_heartbeats(request: Request) -> Response:
    """Lists an activity's heartbeats, newest first (`limit`, default 100, at most 500).

    ---
    tags: [activities]
    x-role: viewer
    parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
    responses:
      200: {description: the heartbeats, x-data: HeartbeatList}
    """
    principal = await _state.authenticate(request, require="viewer")
    activity_id = _state.path_uuid(request, "activity_id")
    query = _query.query(request, ("limit",))
    limit = _query.integer(query, "limit", 100, 1, 500)
    _, beats = await _state.get(request).call(_detail, principal.tenant_id, activity_id, limit)
    return _state.success(
        {"activity_id": str(activity_id), "heartbeats": [heartbeat(beat) for beat in beats], "limit": limit}
    )


async def list_run_activities(request: Request) -> Response:
    """Lists the activities a run started, in the order it started them (at most 1000).

    `include_completed=false` leaves out the finished ones (completed, failed, cancelled).
    ---
    tags: [activities]
    x-role: viewer
    parameters:
      - {name: include_completed, in: query, schema: {type: boolean, default: true}}
    responses:
      200: {description: the run's activities, x-data: RunActivities}
    """
    principal = await _state.authenticate(request, require="viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    query = _query.query(request, ("include_completed",))
    include = _query.boolean(query, "include_completed", True)
    rows = await _state.get(request).call(_run_activities, principal.tenant_id, run_id, include)
    return _state.success({"workflow_run_id": str(run_id), "activities": [item(row) for row in rows]})


def _run_activities(conn: db.Connection, tenant_id: str, run_id: Any, include: bool) -> list[db.Row]:
    task_logs.find_log_run(conn, tenant_id, run_id)
    return activities.list_run_activities(conn, tenant_id, run_id, include, 1000)


async def cleanup_heartbeats(request: Request) -> Response:
    """Deletes heartbeat records older than `retention_hours` (default 24) of the tenant's finished activities.

    Running activities keep all theirs. One call deletes at most 10000 (`more` says to call again).
    ---
    tags: [activities]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    requestBody:
      required: false
      content:
        application/json: {schema: {$ref: '#/components/schemas/HeartbeatCleanupRequest'}}
    responses:
      200: {description: what was deleted, x-data: HeartbeatCleanup}
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, ("retention_hours",)) if await request.body() else {}
    hours = body.get("retention_hours", 24)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= MAX_RETENTION_HOURS:
        reason = f"retention_hours is a number from 0 to {MAX_RETENTION_HOURS}"
        raise errors.InvalidRequest("invalid_retention_hours", reason)
    idem = _state.idempotency(request, "cleanup_activity_heartbeats", {"retention_hours": hours})
    answer = await _changes.change(request, principal, activities.cleanup_heartbeats, principal.tenant_id, hours, idem)
    return _state.success(answer)


def item(row: db.Row) -> dict[str, Any]:
    """An activity as the API shows it."""
    started, finished = row["started_at"], row["finished_at"]
    error = row["error"]
    return {
        "activity_id": str(row["activity_id"]),
        "workflow_run_id": str(row["parent_run_id"]),
        "activity_name": row["activity_name"],
        "function_name": row["function_name"],
        "status": row["state"],
        "error_message": error.get("message") if isinstance(error, dict) else None,
        "created_at": row["created_at"].isoformat(),
        "started_at": _iso(started),
        "completed_at": _iso(finished),
        "duration_ms": round((finished - started).total_seconds() * 1000) if started and finished else None,
        "last_heartbeat_at": _iso(row["last_heartbeat_at"]),
        "worker_id": row["worker_id"],
        "attempt": row["attempt"],
        "heartbeat_timeout_seconds": row["timeout_seconds"],
    }


def heartbeat(row: db.Row) -> dict[str, Any]:
    """A heartbeat record as the API shows it."""
    return {
        "beat_at": row["beat_at"].isoformat(),
        "attempt": row["attempt"],
        "worker_id": row["worker_id"],
        "timeout_seconds": row["timeout_seconds"],
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


routes = [
    Route("/api/v1/activities", list_activities, methods=["GET"]),
    Route("/api/v1/activities/stale", list_stale_activities, methods=["GET"]),
    Route("/api/v1/activities/status", get_activity_status, methods=["GET"]),
    Route("/api/v1/activities/cleanup-heartbeats", cleanup_heartbeats, methods=["POST"]),
    Route("/api/v1/activities/{activity_id}", get_activity, methods=["GET"]),
    Route("/api/v1/activities/{activity_id}/heartbeats", list_activity_heartbeats, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/activities", list_run_activities, methods=["GET"]),
]
