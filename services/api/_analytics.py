"""Routes of analytics, statistics and monitoring: bounded read models for dashboards and operators.

Every read is the caller's tenant's only, over its own queue (naming another queue answers 404, as an
unknown one does), and bounded: a time window of at most 30 days, lists cut by a limit. The tasks and
runs routes are in `_analytics_tasks`; both are registered here, before the run routes, so that
/api/v1/workflows/stats is not read as a run id.
"""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hwe import analytics, errors
from services.api import _analytics_schemas, _analytics_tasks, _query, _state

OPENAPI_SCHEMAS: dict[str, Any] = _analytics_schemas.SCHEMAS
MAX_HOURS = 720
MAX_DAYS = 30


async def list_analytics_queues(request: Request) -> Response:
    """Lists the caller's queues with their live health: unfinished runs, due and running attempts, ages.

    A tenant has one queue. `tenant_id`, if given, must be the caller's own (another answers 404).
    ---
    tags: [analytics]
    x-role: viewer
    parameters:
      - {name: tenant_id, in: query, description: the caller's tenant,
         schema: {type: string, minLength: 1, maxLength: 200}}
    responses:
      200: {description: the queues, x-data: AnalyticsQueueList}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("tenant_id",))
    tenant_id = _query.text(query, "tenant_id")
    if tenant_id is not None and tenant_id != principal.tenant_id:
        raise errors.NotFound(f"tenant {tenant_id!r} not found")
    snapshot = await _state.get(request).call(analytics.queue_snapshot, principal.tenant_id, principal.queue_name)
    return _state.success({"items": [snapshot]})


async def get_analytics_queue(request: Request) -> Response:
    """One queue of the caller: its live health, unfinished runs by workflow, and tasks of the last `hours`.

    ---
    tags: [analytics]
    x-role: viewer
    parameters:
      - {name: hours, in: query, description: the window of the task counts,
         schema: {type: integer, minimum: 1, maximum: 720, default: 24}}
    responses:
      200: {description: the queue, x-data: AnalyticsQueueDetail}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("hours",))
    span = datetime.timedelta(hours=_query.integer(query, "hours", 24, 1, MAX_HOURS))
    queue_name = _query.own_queue(principal, request.path_params["queue_name"])
    detail = await _state.get(request).call(_queue_detail, principal.tenant_id, queue_name, span)
    return _state.success(detail)


async def get_task_distribution(request: Request) -> Response:
    """Counts the caller's tasks created in the last `days` days by state, by queue and by workflow name.

    ---
    tags: [analytics]
    x-role: viewer
    parameters:
      - {name: days, in: query, schema: {type: integer, minimum: 1, maximum: 30, default: 30}}
    responses:
      200: {description: the counts, x-data: TaskDistribution}
    """
    return await _analytics_tasks.task_counts(request)


async def list_analytics_tasks(request: Request) -> Response:
    """Lists the caller's tasks created in the last `days` days, newest first, by limit and offset.

    ---
    tags: [analytics]
    x-role: viewer
    parameters:
      - {name: queue_name, in: query, description: the caller's queue,
         schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: status, in: query, schema: {type: string, enum: [pending, running, sleeping, completed, failed,
         cancelled]}}
      - {name: days, in: query, schema: {type: integer, minimum: 1, maximum: 30, default: 30}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 10000, default: 0}}
    responses:
      200: {description: one page of tasks, x-data: QueueTaskList}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("queue_name", "status", "days", "limit", "offset"))
    state = _query.choice(query, "status", analytics.TASK_STATES)
    span = datetime.timedelta(days=_query.integer(query, "days", 30, 1, MAX_DAYS))
    limit = _query.integer(query, "limit", 100, 1, 1000)
    offset = _query.integer(query, "offset", 0, 0, _query.MAX_OFFSET)
    queue_name = _query.own_queue(principal, _query.text(query, "queue_name"))
    rows, window = await _state.get(request).call(
        _analytics_tasks.task_page, principal.tenant_id, queue_name, span, state, limit, offset
    )
    return _state.success(
        {
            "items": rows[:limit],
            "limit": limit,
            "offset": offset,
            "has_more": len(rows) > limit,
            "time_range": window.as_dict(),
        }
    )


async def get_performance(request: Request) -> Response:
    """Throughput, success rate and duration percentiles of the caller's runs of the last `days` days.

    Overall and by workflow name (the 100 busiest), over the runs created in the window.
    ---
    tags: [analytics]
    x-role: viewer
    parameters:
      - {name: days, in: query, schema: {type: integer, minimum: 1, maximum: 30, default: 7}}
      - {name: workflow_name, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
    responses:
      200: {description: the figures, x-data: WorkflowPerformance}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("days", "workflow_name"))
    span = datetime.timedelta(days=_query.integer(query, "days", 7, 1, MAX_DAYS))
    name = _query.text(query, "workflow_name")
    overall, by_name, window = await _state.get(request).call(run_stats, principal.tenant_id, span, None, None, name)
    return _state.success({"overall": overall, "workflows": by_name, "time_range": window.as_dict()})


async def get_event_analytics(request: Request) -> Response:
    """Counts the caller's audit records of the last `hours` by event type, with the newest `limit` of them.

    ---
    tags: [analytics]
    x-role: viewer
    parameters:
      - {name: workflow_run_id, in: query, schema: {type: string, format: uuid}}
      - {name: event_type, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: hours, in: query, schema: {type: integer, minimum: 1, maximum: 720, default: 24}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
    responses:
      200: {description: the counts and records, x-data: EventAnalytics}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("workflow_run_id", "event_type", "hours", "limit"))
    run_id = _query.identifier(query, "workflow_run_id")
    event_type = _query.text(query, "event_type")
    span = datetime.timedelta(hours=_query.integer(query, "hours", 24, 1, MAX_HOURS))
    limit = _query.integer(query, "limit", 100, 1, 1000)
    found = await _state.get(request).call(_events, principal.tenant_id, span, run_id, event_type, limit)
    return _state.success(found)


async def get_workflow_stats(request: Request) -> Response:
    """Counts by state and name, success rate and duration percentiles of the caller's runs in a window.

    The window holds the runs created from `since` (or `until` minus `hours`, 24 by default) to `until`
    (now by default), at most 30 days; `hours` and `since` exclude each other. An empty window answers zeros.
    ---
    tags: [statistics]
    x-role: viewer
    parameters:
      - {name: workflow_name, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: since, in: query, schema: {type: string, format: date-time}}
      - {name: until, in: query, schema: {type: string, format: date-time}}
      - {name: hours, in: query, schema: {type: integer, minimum: 1, maximum: 720}}
    responses:
      200: {description: the statistics, x-data: WorkflowStats}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("workflow_name", "since", "until", "hours"))
    since, until = _query.time(query, "since"), _query.time(query, "until")
    if since is not None and "hours" in query:
        raise errors.InvalidRequest("invalid_window", "give since or hours, not both")
    span = datetime.timedelta(hours=_query.integer(query, "hours", 24, 1, MAX_HOURS))
    name = _query.text(query, "workflow_name")
    overall, by_name, window = await _state.get(request).call(run_stats, principal.tenant_id, span, since, until, name)
    return _state.success({**overall, "by_name": by_name, "time_range": window.as_dict()})


async def get_workflow_metrics(request: Request) -> Response:
    """One run's step count, attempts, retries, checkpoints, events, durations and wait before its first claim.

    ---
    tags: [statistics]
    x-role: viewer
    responses:
      200: {description: the run's metrics, x-data: WorkflowRunMetrics}
    """
    principal = await _state.authenticate(request, require="viewer")
    _query.query(request, ())
    run_id = _state.path_uuid(request, "workflow_run_id")
    metrics = await _state.get(request).call(analytics.workflow_run_metrics, principal.tenant_id, run_id)
    return _state.success(metrics)


async def get_live_monitoring(request: Request) -> Response:
    """A live snapshot of the caller's queue: its health, the running attempts, and the last minutes' events.

    `tasks` holds the running attempts (at most 100, newest first) with the worker holding each;
    `recent_events` counts the audit records of the last `minutes` by event type.
    ---
    tags: [monitoring]
    x-role: viewer
    parameters:
      - {name: minutes, in: query, schema: {type: integer, minimum: 1, maximum: 60, default: 5}}
    responses:
      200: {description: the snapshot, x-data: LiveMonitoring}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("minutes",))
    span = datetime.timedelta(minutes=_query.integer(query, "minutes", 5, 1, 60))
    snapshot = await _state.get(request).call(_live, principal.tenant_id, principal.queue_name, span)
    return _state.success(snapshot)


def _queue_detail(conn: Any, tenant_id: str, queue_name: str, span: datetime.timedelta) -> dict[str, Any]:
    return analytics.queue_detail(conn, tenant_id, queue_name, analytics.resolve_window(conn, span))


def run_stats(
    conn: Any,
    tenant_id: str,
    span: datetime.timedelta,
    since: datetime.datetime | None,
    until: datetime.datetime | None,
    name: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]], analytics.Window]:
    window = analytics.resolve_window(conn, span, since, until)
    overall, by_name = analytics.workflow_stats(conn, tenant_id, window, name)
    return overall, by_name, window


def _events(
    conn: Any, tenant_id: str, span: datetime.timedelta, run_id: Any, event_type: str | None, limit: int
) -> dict[str, Any]:
    window = analytics.resolve_window(conn, span)
    return analytics.event_counts(conn, tenant_id, window, run_id, event_type, limit)


def _live(conn: Any, tenant_id: str, queue_name: str, span: datetime.timedelta) -> dict[str, Any]:
    return analytics.live_snapshot(conn, tenant_id, queue_name, analytics.resolve_window(conn, span), 100)


routes: list[BaseRoute] = [
    Route("/api/v1/analytics/queues", list_analytics_queues, methods=["GET"]),
    Route("/api/v1/analytics/queues/{queue_name}", get_analytics_queue, methods=["GET"]),
    Route("/api/v1/analytics/tasks/distribution", get_task_distribution, methods=["GET"]),
    Route("/api/v1/analytics/tasks/list", list_analytics_tasks, methods=["GET"]),
    Route("/api/v1/analytics/performance", get_performance, methods=["GET"]),
    Route("/api/v1/analytics/events", get_event_analytics, methods=["GET"]),
    Route("/api/v1/workflows/stats", get_workflow_stats, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/metrics", get_workflow_metrics, methods=["GET"]),
    Route("/api/v1/monitoring/live", get_live_monitoring, methods=["GET"]),
    *_analytics_tasks.routes,
]
