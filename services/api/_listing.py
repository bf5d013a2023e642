"""GET /api/v1/workflows: a tenant's runs, newest first, filtered and paged by an opaque cursor.

The cursor encodes the (created_at, workflow_run_id) of the last run of a page; the next page holds
the runs strictly older than it (keyset pagination), so runs submitted while a client pages never
shift or repeat the pages it has not read yet.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import errors, runs
from services.api import _state

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
STATES = ("pending", "running", "sleeping", "waiting", "completed", "failed", "cancelled")


async def list_workflows(request: Request) -> Response:
    """Lists the caller's workflow runs, newest first, one page at a time.

    Pass the `next_cursor` of a page as `cursor` to read the next one; it is null on the last page.
    `created_after` and `created_before` are ISO 8601 times (UTC when no offset is given), both exclusive.
    ---
    tags: [workflows]
    x-role: viewer
    parameters:
      - {name: state, in: query, schema: {type: string, enum: [pending, running, sleeping, waiting, completed,
         failed, cancelled]}}
      - {name: name, in: query, description: the workflow's name, schema: {type: string}}
      - {name: created_after, in: query, schema: {type: string, format: date-time}}
      - {name: created_before, in: query, schema: {type: string, format: date-time}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string}}
    responses:
      200:
        description: one page of runs
        x-data: RunPage
        links:
          GetListedWorkflow:
            operationId: get_workflow
            parameters: {workflow_run_id: '$response.body#/data/items/0/workflow_run_id'}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = request.query_params
    state = query.get("state")
    if state is not None and state not in STATES:
        raise errors.InvalidRequest("invalid_filter", f"state must be one of {', '.join(STATES)}")
    limit = _limit(query.get("limit"))
    rows = await _state.get(request).call(
        _list,
        principal.tenant_id,
        {
            "state": state,
            "workflow_name": query.get("name"),
            "created_after": _time(query.get("created_after"), "created_after"),
            "created_before": _time(query.get("created_before"), "created_before"),
            "after": _decode_cursor(query.get("cursor")),
            "limit": limit + 1,
        },
    )
    page = rows[:limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > limit else None
    return _state.success({"items": [_summary(row) for row in page], "next_cursor": next_cursor})


def _list(conn: Any, tenant_id: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    return runs.list_runs(conn, tenant_id, **filters)


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= MAX_LIMIT:
        raise errors.InvalidRequest("invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def _time(raw: str | None, name: str) -> datetime.datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError as err:
        raise errors.InvalidRequest("invalid_filter", f"{name} must be an ISO 8601 date and time") from err
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def _encode_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["created_at"].isoformat(), str(row["workflow_run_id"])]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[datetime.datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        created_at, run_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.datetime.fromisoformat(created_at), uuid.UUID(run_id)
    except (ValueError, TypeError, binascii.Error) as err:
        raise errors.InvalidRequest("invalid_cursor", "cursor is not a next_cursor this API returned") from err


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "workflow_run_id": str(row["workflow_run_id"]),
        "workflow_name": row["workflow_name"],
        "workflow_version": row["workflow_version"],
        "state": row["state"],
        "current_step": row["current_step"],
        "progress": {"completed": row["progress_completed"], "total": row["progress_total"]},
        "parent_run_id": None if row["parent_run_id"] is None else str(row["parent_run_id"]),
        **{name: _iso(row[name]) for name in ("created_at", "started_at", "finished_at", "updated_at")},
    }


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


routes = [Route("/api/v1/workflows", list_workflows, methods=["GET"])]
