"""GET /api/v1/workflows: a tenant's runs, newest first, filtered and paged by an opaque cursor.

The cursor encodes the (created_at, workflow_run_id) of the last run of a page; the next page holds
the runs strictly older than it (keyset pagination), so runs submitted while a client pages never
shift or repeat the pages it has not read yet.
"""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import runs
from services.api import _query, _state

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
    query = _query.query(request, ("state", "name", "created_after", "created_before", "limit", "cursor"))
    state = _query.choice(query, "state", STATES)
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    after_created_at, after_id = _query.read_keyset_cursor(query)
    rows = await _state.get(request).call(
        list_run_rows,
        principal.tenant_id,
        {
            "state": state,
            "workflow_name": query.get("name"),
            "created_after": _query.time(query, "created_after"),
            "created_before": _query.time(query, "created_before"),
            "after": None if after_created_at is None or after_id is None else (after_created_at, after_id),
            "limit": limit + 1,
        },
    )
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = _query.keyset_cursor(page[-1]["created_at"], page[-1]["workflow_run_id"]) if more else None
    return _state.success({"items": [run_summary(row) for row in page], "next_cursor": next_cursor})


def list_run_rows(conn: Any, tenant_id: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    return runs.list_runs(conn, tenant_id, **filters)


def run_summary(row: dict[str, Any]) -> dict[str, Any]:
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
