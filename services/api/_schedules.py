"""Routes under /api/v1/schedules: cron schedules of a tenant's workflows; the scheduler fires them."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, schedules, tenants
from services.api import _changes, _query, _state

_EXPLICIT_FIELDS = ("cron", "timezone", "start_date", "catchup", "max_active_runs", "is_paused")
_CREATE_FIELDS = ("workflow_definition", "name", "inputs", *_EXPLICIT_FIELDS)
_UPDATE_FIELDS = ("cron", "timezone", "workflow_definition", "inputs", "start_date", "catchup", "max_active_runs")
DEFAULT_HISTORY_LIMIT = 50
MAX_HISTORY_LIMIT = 100
MAX_HISTORY_OFFSET = 100_000
# A scan claims at most this many due schedules; `more_due` tells the caller to scan again.
MAX_SCAN_CLAIMS = 100

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
Schedule:
  type: object
  required: [schedule_id, name, cron, timezone, definition, inputs, start_date, catchup, max_active_runs, is_paused,
             next_fire_at, created_at, updated_at]
  properties:
    schedule_id: {type: string, format: uuid}
    name: {type: string}
    cron: {type: string, description: "a cron expression (5 or 6 fields) or `@every Ns`"}
    timezone: {type: string}
    definition: {type: object, description: the workflow definition each fire submits}
    inputs: {type: object}
    start_date: {type: [string, 'null'], format: date-time}
    catchup: {type: string, enum: [all, latest, skip]}
    max_active_runs: {type: integer, minimum: 1}
    is_paused: {type: boolean}
    next_fire_at: {type: [string, 'null'], format: date-time, description: null once the cron has no later time}
    created_at: {type: string, format: date-time}
    updated_at: {type: string, format: date-time}
ScheduleList:
  type: object
  required: [items]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/Schedule'}}
ScheduleRequest:
  type: object
  required: [workflow_definition]
  additionalProperties: false
  properties:
    workflow_definition: {type: object}
    name: {type: string, minLength: 1, maxLength: 200}
    inputs: {type: object}
    timezone: {type: string}
    cron: {type: string}
    start_date: {type: [string, 'null'], format: date-time}
    catchup: {type: string, enum: [all, latest, skip]}
    max_active_runs: {type: integer, minimum: 1}
    is_paused: {type: boolean}
ScheduleChange:
  type: object
  additionalProperties: false
  properties:
    cron: {type: string}
    timezone: {type: string}
    workflow_definition: {type: object}
    inputs: {type: object}
    start_date: {type: [string, 'null'], format: date-time}
    catchup: {type: string, enum: [all, latest, skip]}
    max_active_runs: {type: integer, minimum: 1}
ScheduleDeleted:
  type: object
  required: [schedule_id, deleted]
  properties:
    schedule_id: {type: string, format: uuid}
    deleted: {const: true}
ScheduleFireRecord:
  type: object
  required: [fire_time, fire_state, recorded_at, workflow_run_id, status, created_at, started_at, completed_at,
             duration_seconds]
  properties:
    fire_time: {type: string, format: date-time}
    fire_state: {type: string, enum: [fired, skipped_max_active]}
    recorded_at: {type: string, format: date-time}
    workflow_run_id:
      type: [string, 'null']
      format: uuid
      description: null for a fire time skipped at max_active_runs
    status:
      type: [string, 'null']
      enum: [pending, running, sleeping, waiting, completed, failed, cancelled, null]
      description: the run's state (null when skipped)
    created_at: {type: [string, 'null'], format: date-time}
    started_at: {type: [string, 'null'], format: date-time}
    completed_at: {type: [string, 'null'], format: date-time}
    duration_seconds: {type: [number, 'null'], minimum: 0}
ScheduleHistory:
  type: object
  required: [schedule_id, workflow_name, executions, total, limit, offset]
  properties:
    schedule_id: {type: string, format: uuid}
    workflow_name: {type: string}
    executions: {type: array, items: {$ref: '#/components/schemas/ScheduleFireRecord'}}
    total: {type: integer, minimum: 0}
    limit: {type: integer, minimum: 1, maximum: 100}
    offset: {type: integer, minimum: 0}
ScheduleScan:
  type: object
  required: [schedules_claimed, fired, skipped_max_active, failed, more_due]
  properties:
    schedules_claimed: {type: integer, minimum: 0}
    fired:
      type: array
      items:
        type: object
        required: [schedule_id, fire_time, workflow_run_id]
        properties:
          schedule_id: {type: string, format: uuid}
          fire_time: {type: string, format: date-time}
          workflow_run_id: {type: string, format: uuid}
    skipped_max_active:
      type: array
      items:
        type: object
        required: [schedule_id, fire_time]
        properties:
          schedule_id: {type: string, format: uuid}
          fire_time: {type: string, format: date-time}
    failed:
      type: array
      items:
        type: object
        required: [schedule_id, message]
        properties:
          schedule_id: {type: string, format: uuid}
          message: {type: string}
    more_due: {type: boolean, description: the scan stopped at 100 schedules; scan again}
""")


async def create_schedule(request: Request) -> Response:
    """Creates a schedule of a workflow definition.

    Body: `workflow_definition`, optional `name`, `inputs`, `timezone`; and either `cron` (with
    `start_date`, `catchup` all|latest|skip, `max_active_runs`, `is_paused`) or none of them, in
    which case the definition's own `schedule`, `start_date`, `catchup`, `is_paused` and
    `max_active_runs` are used. 409 when the tenant already has a schedule of that name.
    ---
    tags: [schedules]
    x-role: operator
    x-body: ScheduleRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the new schedule
        x-data: Schedule
        links:
          GetSchedule: {operationId: get_schedule, parameters: {schedule_id: '$response.body#/data/schedule_id'}}
          UpdateSchedule: {operationId: update_schedule, parameters: {schedule_id: '$response.body#/data/schedule_id'}}
          DeleteSchedule: {operationId: delete_schedule, parameters: {schedule_id: '$response.body#/data/schedule_id'}}
          History: {operationId: schedule_history, parameters: {schedule_id: '$response.body#/data/schedule_id'}}
          PauseSchedule: {operationId: pause_schedule, parameters: {schedule_id: '$response.body#/data/schedule_id'}}
          ResumeSchedule: {operationId: resume_schedule, parameters: {schedule_id: '$response.body#/data/schedule_id'}}
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, _CREATE_FIELDS)
    if not isinstance(body.get("workflow_definition"), dict):
        raise errors.InvalidRequest("missing_field", "the body needs a 'workflow_definition' object")
    idem = _state.idempotency(request, "create_schedule", body)
    create = functools.partial(_create, tenant_id=principal.tenant_id, body=body)
    view = await _changes.change(request, principal, tenants.once, principal.tenant_id, idem, create)
    return _state.success(view, status=201)


def _create(conn: db.Connection, *, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return schedule_view(_create_row(conn, tenant_id, body))


def _create_row(conn: db.Connection, tenant_id: str, body: dict[str, Any]) -> db.Row:
    definition = body["workflow_definition"]
    with conn.transaction():
        if "cron" not in body:
            return schedules.create_schedule_from_definition(
                conn,
                tenant_id,
                definition,
                name=body.get("name"),
                inputs=body.get("inputs"),
                timezone=body.get("timezone", "UTC"),
            )
        fields = {key: body[key] for key in _EXPLICIT_FIELDS if key in body}
        if "start_date" in fields:
            fields["start_date"] = _datetime(fields["start_date"])
        return schedules.create_schedule(
            conn,
            tenant_id,
            name=body.get("name", definition.get("name")),
            definition=definition,
            inputs=body.get("inputs"),
            **fields,
        )


async def list_schedules(request: Request) -> Response:
    """Lists the tenant's schedules, by name.

    ---
    tags: [schedules]
    x-role: viewer
    responses:
      200: {description: the schedules, x-data: ScheduleList}
    """
    principal = await _state.authenticate(request)
    rows = await _state.get(request).call(schedules.list_schedules, principal.tenant_id)
    return _state.success({"items": [schedule_view(row) for row in rows]})


async def get_schedule(request: Request) -> Response:
    """Reads one schedule, with its next fire time.

    ---
    tags: [schedules]
    x-role: viewer
    responses:
      200: {description: the schedule, x-data: Schedule}
    """
    principal = await _state.authenticate(request)
    row = await _state.get(request).call(schedules.get_schedule, principal.tenant_id, _schedule_id(request))
    return _state.success(schedule_view(row))


async def update_schedule(request: Request) -> Response:
    """Changes a schedule's cron, timezone, workflow_definition, inputs, start_date, catchup or max_active_runs.

    ---
    tags: [schedules]
    x-role: operator
    x-body: ScheduleChange
    responses:
      200: {description: the changed schedule, x-data: Schedule}
    """
    principal = await _state.authenticate(request, require="operator")
    changes = await _state.read_json_object(request, _UPDATE_FIELDS)
    if "workflow_definition" in changes:
        changes["definition"] = changes.pop("workflow_definition")
    if "start_date" in changes:
        changes["start_date"] = _datetime(changes["start_date"])
    try:
        row = await _changes.change(request, principal, _update, principal.tenant_id, _schedule_id(request), changes)
    except ValueError as err:
        raise errors.InvalidRequest("bad_field", str(err)) from err
    return _state.success(schedule_view(row))


def _update(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID, changes: dict[str, Any]) -> db.Row:
    return schedules.update_schedule(conn, tenant_id, schedule_id, **changes)


async def pause_schedule(request: Request) -> Response:
    """Pauses a schedule: nothing fires until it is resumed.

    ---
    tags: [schedules]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the paused schedule, x-data: Schedule}
    """
    return await _toggle(request, "pause_schedule", schedules.pause_schedule)


async def resume_schedule(request: Request) -> Response:
    """Resumes a paused schedule from now on: times that passed while paused do not fire.

    ---
    tags: [schedules]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the resumed schedule, x-data: Schedule}
    """
    return await _toggle(request, "resume_schedule", schedules.resume_schedule)


async def _toggle(request: Request, operation: str, toggle: Callable[..., db.Row]) -> Response:
    principal = await _state.authenticate(request, require="operator")
    schedule_id = _schedule_id(request)
    idem = _state.idempotency(request, operation, {"schedule_id": str(schedule_id)})

    def change(conn: db.Connection) -> dict[str, Any]:
        return schedule_view(toggle(conn, principal.tenant_id, schedule_id))

    view = await _changes.change(request, principal, tenants.once, principal.tenant_id, idem, change)
    return _state.success(view)


async def delete_schedule(request: Request) -> Response:
    """Deletes a schedule; runs it already started are kept.

    ---
    tags: [schedules]
    x-role: operator
    responses:
      200: {description: the id of the deleted schedule, x-data: ScheduleDeleted}
    """
    principal = await _state.authenticate(request, require="operator")
    schedule_id = _schedule_id(request)
    await _changes.change(request, principal, schedules.delete_schedule, principal.tenant_id, schedule_id)
    return _state.success({"schedule_id": str(schedule_id), "deleted": True})


async def schedule_history(request: Request) -> Response:
    """The fire times a schedule handled, newest first, with the run each fired and its status; paged by offset.

    A fire time skipped because `max_active_runs` of the schedule's runs were active has no run.
    ---
    tags: [schedules]
    x-role: viewer
    parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 50}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 100000, default: 0}}
    responses:
      200: {description: one page of the schedule's history, x-data: ScheduleHistory}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("limit", "offset"))
    limit = _query.integer(query, "limit", DEFAULT_HISTORY_LIMIT, 1, MAX_HISTORY_LIMIT)
    offset = _query.integer(query, "offset", 0, 0, MAX_HISTORY_OFFSET)
    schedule_id = _schedule_id(request)
    schedule, rows, total = await _state.get(request).call(_history, principal.tenant_id, schedule_id, limit, offset)
    return _state.success(
        {
            "schedule_id": str(schedule_id),
            "workflow_name": str(schedule["definition"].get("name", schedule["name"])),
            "executions": [_execution(row) for row in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


def _history(
    conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID, limit: int, offset: int
) -> tuple[db.Row, list[db.Row], int]:
    return schedules.list_schedule_history(conn, tenant_id, schedule_id, limit=limit, offset=offset)


def _execution(row: db.Row) -> dict[str, Any]:
    started, finished = row["started_at"], row["finished_at"]
    duration = None if started is None or finished is None else round((finished - started).total_seconds(), 3)
    return {
        "fire_time": row["fire_time"].isoformat(),
        "fire_state": row["fire_state"],
        "recorded_at": row["recorded_at"].isoformat(),
        "workflow_run_id": None if row["workflow_run_id"] is None else str(row["workflow_run_id"]),
        "status": row["run_state"],
        "created_at": _iso(row["created_at"]),
        "started_at": _iso(started),
        "completed_at": _iso(finished),
        "duration_seconds": duration,
    }


async def scan_schedules(request: Request) -> Response:
    """Fires the tenant's due schedules now, as the scheduler service would, and answers what it fired.

    Safe while the scheduler runs: both claim a schedule with SKIP LOCKED and record each fire time once,
    so every fire time creates at most one run, whichever fires it. At most 100 schedules per scan
    (`more_due` then asks for another). A schedule whose definition no longer runs is in `failed`.
    ---
    tags: [schedules]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: what the scan fired, x-data: ScheduleScan}
    """
    principal = await _state.authenticate(request, require="operator")
    settings = _state.get(request).settings
    idem = _state.idempotency(request, "scan_schedules", {})
    scan = functools.partial(
        _scan,
        tenant_id=principal.tenant_id,
        misfire_grace=timedelta(seconds=settings.scheduler_misfire_grace_seconds),
        max_attempts=settings.root_task_max_attempts,
    )
    answer = await _changes.change(request, principal, tenants.once, principal.tenant_id, idem, scan)
    return _state.success(answer)


def _scan(conn: db.Connection, *, tenant_id: str, misfire_grace: timedelta, max_attempts: int) -> dict[str, Any]:
    scan = schedules.scan_due_schedules(
        conn, tenant_id, misfire_grace=misfire_grace, max_attempts=max_attempts, max_claims=MAX_SCAN_CLAIMS
    )
    return {
        "schedules_claimed": len(scan.firings),
        "fired": [
            {
                "schedule_id": str(firing.schedule_id),
                "fire_time": fire.fire_time.isoformat(),
                "workflow_run_id": str(fire.workflow_run_id),
            }
            for firing in scan.firings
            for fire in firing.fired
        ],
        "skipped_max_active": [
            {"schedule_id": str(firing.schedule_id), "fire_time": time.isoformat()}
            for firing in scan.firings
            for time in firing.skipped_max_active
        ],
        "failed": [{"schedule_id": err.schedule_id, "message": str(err)} for err in scan.failed],
        "more_due": scan.more_due,
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _schedule_id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.path_params["schedule_id"])
    except ValueError as err:
        raise errors.ScheduleNotFound("schedule ids are UUIDs") from err


def _datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as err:
        raise errors.InvalidRequest("bad_field", "start_date must be an ISO 8601 date-time") from err


def schedule_view(row: db.Row) -> dict[str, Any]:
    return {
        key: (
            value.isoformat() if isinstance(value, datetime) else str(value) if isinstance(value, uuid.UUID) else value
        )
        for key, value in row.items()
        if key != "tenant_id"
    }


routes = [
    Route("/api/v1/schedules", create_schedule, methods=["POST"]),
    Route("/api/v1/schedules", list_schedules, methods=["GET"]),
    Route("/api/v1/schedules/scan", scan_schedules, methods=["POST"]),
    Route("/api/v1/schedules/{schedule_id}", get_schedule, methods=["GET"]),
    Route("/api/v1/schedules/{schedule_id}", update_schedule, methods=["PATCH"]),
    Route("/api/v1/schedules/{schedule_id}", delete_schedule, methods=["DELETE"]),
    Route("/api/v1/schedules/{schedule_id}/history", schedule_history, methods=["GET"]),
    Route("/api/v1/schedules/{schedule_id}/pause", pause_schedule, methods=["POST"]),
    Route("/api/v1/schedules/{schedule_id}/resume", resume_schedule, methods=["POST"]),
]
