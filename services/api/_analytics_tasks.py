"""Routes of queue tasks and runs (attempts): the root tasks of the caller's workflow runs, their attempts and
the checkpoints each attempt committed. Every read is the caller's tenant's only, in its own queue; another
tenant's task or run answers 404, as an unknown one does. Registered by `_analytics`.
"""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import analytics, errors
from services.api import _analytics_schemas, _query, _state

OPENAPI_SCHEMAS: dict[str, Any] = _analytics_schemas.SCHEMAS
MAX_DAYS = 30
MAX_CHECKPOINTS = 200


async def list_queue_tasks(request: Request) -> Response:
    """Lists the caller's tasks (root tasks of its workflow runs) created in the last `days` days, newest first.

    Paged by `page` and `page_size`; `page * page_size` reaches at most 10000 rows back.
    ---
    tags: [tasks]
    x-role: viewer
    parameters:
      - {name: state, in: query, schema: {type: string, enum: [pending, running, sleeping, completed, failed,
         cancelled]}}
      - {name: queue, in: query, description: the caller's queue, schema: {type: string, minLength: 1,
         maxLength: 200}}
      - {name: days, in: query, schema: {type: integer, minimum: 1, maximum: 30, default: 30}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 10001, default: 1}}
      - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
    responses:
      200:
        description: one page of tasks
        x-data: QueueTaskPage
        links:
          GetListedTask: {operationId: get_queue_task, parameters: {task_id: '$response.body#/data/items/0/task_id'}}
          GetListedTaskMetrics:
            operationId: get_workflow_metrics
            parameters: {workflow_run_id: '$response.body#/data/items/0/workflow_run_id'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("state", "queue", "days", "page", "page_size"))
    state = _query.choice(query, "state", analytics.TASK_STATES)
    span = datetime.timedelta(days=_query.integer(query, "days", 30, 1, MAX_DAYS))
    page = _query.integer(query, "page", 1, 1, _query.MAX_OFFSET + 1)
    page_size = _query.integer(query, "page_size", 50, 1, 200)
    offset = _offset_of_page(page, page_size)
    queue_name = _query.own_queue(principal, _query.text(query, "queue"))
    rows, window = await _state.get(request).call(
        task_page, principal.tenant_id, queue_name, span, state, page_size, offset
    )
    return _state.success(
        {
            "items": rows[:page_size],
            "page": page,
            "page_size": page_size,
            "has_more": len(rows) > page_size,
            "time_range": window.as_dict(),
        }
    )


async def get_task_summary(request: Request) -> Response:
    """Counts the caller's tasks created in the last `days` days by state, by queue and by workflow name.

    ---
    tags: [tasks]
    x-role: viewer
    parameters:
      - {name: days, in: query, schema: {type: integer, minimum: 1, maximum: 30, default: 30}}
    responses:
      200: {description: the counts, x-data: TaskDistribution}
    """
    return await task_counts(request)


async def task_counts(request: Request) -> Response:
    """The answer of both names the SDK has for the task counts (this and /analytics/tasks/distribution)."""
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("days",))
    span = datetime.timedelta(days=_query.integer(query, "days", 30, 1, MAX_DAYS))
    counts = await _state.get(request).call(_counts, principal.tenant_id, principal.queue_name, span)
    return _state.success(counts)


async def get_queue_task(request: Request) -> Response:
    """One task: its definition and state, every attempt (run), and its first 200 checkpoints (names only).

    ---
    tags: [tasks]
    x-role: viewer
    parameters:
      - {name: task_id, in: path, required: true, schema: {type: string, format: uuid}}
    responses:
      200:
        description: the task
        x-data: QueueTaskDetail
        links:
          GetTaskRun: {operationId: get_queue_run, parameters: {run_id: '$response.body#/data/runs/0/run_id'}}
    """
    principal = await _state.authenticate(request, require="viewer")
    _query.query(request, ())
    task_id = _state.path_uuid(request, "task_id")
    task = await _state.get(request).call(
        analytics.get_task, principal.tenant_id, principal.queue_name, task_id, MAX_CHECKPOINTS
    )
    return _state.success(task)


async def list_queue_runs(request: Request) -> Response:
    """Lists the caller's unfinished queue attempts (pending, sleeping or running), newest first.

    Paged by `page` and `page_size`; `page * page_size` reaches at most 10000 rows back.
    ---
    tags: [runs]
    x-role: viewer
    parameters:
      - {name: state, in: query, schema: {type: string, enum: [pending, running, sleeping]}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 10001, default: 1}}
      - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
    responses:
      200:
        description: one page of attempts
        x-data: QueueAttemptPage
        links:
          GetListedRun: {operationId: get_queue_run, parameters: {run_id: '$response.body#/data/items/0/run_id'}}
          ListListedRunCheckpoints:
            operationId: list_queue_run_checkpoints
            parameters: {run_id: '$response.body#/data/items/0/run_id'}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("state", "page", "page_size"))
    state = _query.choice(query, "state", analytics.ACTIVE_ATTEMPT_STATES)
    page = _query.integer(query, "page", 1, 1, _query.MAX_OFFSET + 1)
    page_size = _query.integer(query, "page_size", 20, 1, 100)
    offset = _offset_of_page(page, page_size)
    rows = await _state.get(request).call(
        analytics.list_active_runs, principal.tenant_id, principal.queue_name, state, page_size + 1, offset
    )
    return _state.success(
        {"items": rows[:page_size], "page": page, "page_size": page_size, "has_more": len(rows) > page_size}
    )


async def get_queue_run(request: Request) -> Response:
    """One queue attempt (run) of a task, in any state: its lease, times and failure.

    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: the attempt, x-data: QueueAttemptDetail}
    """
    principal = await _state.authenticate(request, require="viewer")
    _query.query(request, ())
    run_id = _state.path_uuid(request, "run_id")
    run = await _state.get(request).call(analytics.get_queue_run, principal.tenant_id, principal.queue_name, run_id)
    return _state.success(run)


async def list_queue_run_checkpoints(request: Request) -> Response:
    """Lists the checkpoints one queue attempt committed, with their values, in step order.

    ---
    tags: [runs]
    x-role: viewer
    parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 10000, default: 0}}
    responses:
      200: {description: one page of checkpoints, x-data: QueueAttemptCheckpointPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("limit", "offset"))
    limit = _query.integer(query, "limit", 100, 1, 500)
    offset = _query.integer(query, "offset", 0, 0, _query.MAX_OFFSET)
    run_id = _state.path_uuid(request, "run_id")
    page = await _state.get(request).call(
        analytics.list_attempt_checkpoints, principal.tenant_id, principal.queue_name, run_id, limit + 1, offset
    )
    items = page["items"]
    return _state.success(
        {**page, "items": items[:limit], "limit": limit, "offset": offset, "has_more": len(items) > limit}
    )


def task_page(
    conn: Any, tenant_id: str, queue_name: str, span: datetime.timedelta, state: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], analytics.Window]:
    """One page of tasks in the window ending now, with one row more than `limit` when there is a next page."""
    window = analytics.resolve_window(conn, span)
    return analytics.list_tasks(conn, tenant_id, queue_name, window, state, limit + 1, offset), window


def _offset_of_page(page: int, page_size: int) -> int:
    """The offset of a page, which must stay within `_query.MAX_OFFSET`."""
    offset = (page - 1) * page_size
    if offset > _query.MAX_OFFSET:
        raise errors.InvalidRequest("invalid_page", f"page * page_size may reach at most {_query.MAX_OFFSET} rows back")
    return offset


def _counts(conn: Any, tenant_id: str, queue_name: str, span: datetime.timedelta) -> dict[str, Any]:
    return analytics.task_distribution(conn, tenant_id, queue_name, analytics.resolve_window(conn, span))


routes = [
    Route("/api/v1/tasks", list_queue_tasks, methods=["GET"]),
    Route("/api/v1/tasks/summary", get_task_summary, methods=["GET"]),
    Route("/api/v1/tasks/{task_id}", get_queue_task, methods=["GET"]),
    Route("/api/v1/runs", list_queue_runs, methods=["GET"]),
    Route("/api/v1/runs/{run_id}", get_queue_run, methods=["GET"]),
    Route("/api/v1/runs/{run_id}/checkpoints", list_queue_run_checkpoints, methods=["GET"]),
]
