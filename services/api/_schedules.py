"""Routes under /api/v1/schedules: cron schedules of a tenant's workflows; the scheduler fires them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, schedules
from services.api import _changes, _state

_EXPLICIT_FIELDS = ("cron", "timezone", "start_date", "catchup", "max_active_runs", "is_paused")
_CREATE_FIELDS = ("workflow_definition", "name", "inputs", *_EXPLICIT_FIELDS)
_UPDATE_FIELDS = ("cron", "timezone", "workflow_definition", "inputs", "start_date", "catchup", "max_active_runs")


async def create_schedule(request: Request) -> Response:
    """Creates a schedule of a workflow definition.

    Body: `workflow_definition`, optional `name`, `inputs`, `timezone`; and either `cron` (with
    `start_date`, `catchup` all|latest|skip, `max_active_runs`, `is_paused`) or none of them, in
    which case the definition's own `schedule`, `start_date`, `catchup`, `is_paused` and
    `max_active_runs` are used. 409 when the tenant already has a schedule of that name.
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, _CREATE_FIELDS)
    if not isinstance(body.get("workflow_definition"), dict):
        raise errors.InvalidRequest("missing_field", "the body needs a 'workflow_definition' object")
    row = await _changes.change(request, principal, _create, principal.tenant_id, body)
    return _state.success(_view(row), status=201)


def _create(conn: db.Connection, tenant_id: str, body: dict[str, Any]) -> db.Row:
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
    """Lists the tenant's schedules, by name."""
    principal = await _state.authenticate(request)
    rows = await _state.get(request).call(schedules.list_schedules, principal.tenant_id)
    return _state.success({"items": [_view(row) for row in rows]})


async def get_schedule(request: Request) -> Response:
    """Reads one schedule, with its next fire time."""
    principal = await _state.authenticate(request)
    row = await _state.get(request).call(schedules.get_schedule, principal.tenant_id, _schedule_id(request))
    return _state.success(_view(row))


async def update_schedule(request: Request) -> Response:
    """Changes a schedule's cron, timezone, workflow_definition, inputs, start_date, catchup or max_active_runs."""
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
    return _state.success(_view(row))


def _update(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID, changes: dict[str, Any]) -> db.Row:
    return schedules.update_schedule(conn, tenant_id, schedule_id, **changes)


async def pause_schedule(request: Request) -> Response:
    """Pauses a schedule: nothing fires until it is resumed."""
    principal = await _state.authenticate(request, require="operator")
    row = await _changes.change(
        request, principal, schedules.pause_schedule, principal.tenant_id, _schedule_id(request)
    )
    return _state.success(_view(row))


async def resume_schedule(request: Request) -> Response:
    """Resumes a paused schedule from now on: times that passed while paused do not fire."""
    principal = await _state.authenticate(request, require="operator")
    row = await _changes.change(
        request, principal, schedules.resume_schedule, principal.tenant_id, _schedule_id(request)
    )
    return _state.success(_view(row))


async def delete_schedule(request: Request) -> Response:
    """Deletes a schedule; runs it already started are kept."""
    principal = await _state.authenticate(request, require="operator")
    schedule_id = _schedule_id(request)
    await _changes.change(request, principal, schedules.delete_schedule, principal.tenant_id, schedule_id)
    return _state.success({"schedule_id": str(schedule_id), "deleted": True})


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


def _view(row: db.Row) -> dict[str, Any]:
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
    Route("/api/v1/schedules/{schedule_id}", get_schedule, methods=["GET"]),
    Route("/api/v1/schedules/{schedule_id}", update_schedule, methods=["PATCH"]),
    Route("/api/v1/schedules/{schedule_id}", delete_schedule, methods=["DELETE"]),
    Route("/api/v1/schedules/{schedule_id}/pause", pause_schedule, methods=["POST"]),
    Route("/api/v1/schedules/{schedule_id}/resume", resume_schedule, methods=["POST"]),
]
