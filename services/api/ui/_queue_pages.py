"""The console's queue page: the tenant's queue health and the workers serving it, with their heartbeats.

The figures are those of GET /api/v1/analytics/queues (`analytics.queue_snapshot`), GET /api/v1/workers/summary
and GET /api/v1/workers (`hwe.workers`), for the caller's own queue only. Operators see links to the worker
commands (drain, pause, resume), whose confirmation pages are `_worker_action_pages`'.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import analytics, db, workers
from services.api import _state
from services.api.ui import _pages, _render

MAX_WORKERS = 100


@_render.page
async def queue_page(request: Request) -> Response:
    """The caller's queue: depth, oldest pending run, attempts, and each worker's status, load and heartbeat."""
    principal = await _render.page_principal(request, "viewer")
    view = await _state.get(request).call(_load, principal.tenant_id, principal.queue_name)
    return _render.render(request, "pages/queue.html", principal=principal, title="Queue", when=_pages.when, **view)


def _load(conn: db.Connection, tenant_id: str, queue_name: str) -> dict[str, Any]:
    return {
        "snapshot": analytics.queue_snapshot(conn, tenant_id, queue_name),
        "summary": workers.summarize_workers(conn, queue_name),
        "workers": workers.list_workers(conn, queue_name, status=None, hostname=None, limit=MAX_WORKERS, offset=0)[
            "items"
        ],
    }


routes = [Route("/ui/queue", queue_page, methods=["GET"], include_in_schema=False)]
