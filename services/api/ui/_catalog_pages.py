"""The console's lists of what a tenant has set up: schedules, stored definitions, webhooks and dead letters.

Each list is what its REST route answers (GET /api/v1/schedules, /api/v1/workflows/definitions with
/api/v1/dsl_templates, /api/v1/webhooks and a webhook's deliveries in state `dead`), through the same engine
functions, shown read-only to every role. Not the run pages nor the queue page.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, definitions, schedules, templates, webhooks
from services.api import _definitions, _schedules, _state
from services.api.ui import _pages, _render

MAX_DEFINITIONS = 200
DEAD_LETTERS_PER_WEBHOOK = 20


@_render.page
async def schedules_page(request: Request) -> Response:
    """The tenant's schedules by name: cron, time zone, next fire, paused or not."""
    principal = await _render.page_principal(request, "viewer")
    rows = await _state.get(request).call(schedules.list_schedules, principal.tenant_id)
    items = [_schedules.schedule_view(row) for row in rows]
    return _render.render(
        request, "pages/schedules.html", principal=principal, title="Schedules", schedules=items, when=_pages.when
    )


@_render.page
async def definitions_page(request: Request) -> Response:
    """The tenant's stored definitions by name, newest version first, and the templates every tenant may start from."""
    principal = await _render.page_principal(request, "viewer")
    list_rows = _definitions.list_definition_rows
    rows = await _state.get(request).call(list_rows, principal.tenant_id, None, MAX_DEFINITIONS, 0)
    items = [definitions.row_view(row) for row in rows]
    return _render.render(
        request,
        "pages/definitions.html",
        principal=principal,
        title="Definitions",
        items=items,
        templates=templates.list_templates(),
        when=_pages.when,
    )


@_render.page
async def webhooks_page(request: Request) -> Response:
    """The tenant's webhooks (never their secrets), each with its latest dead letters."""
    principal = await _render.page_principal(request, "viewer")
    items = await _state.get(request).call(_webhooks_with_dead_letters, principal.tenant_id)
    return _render.render(
        request, "pages/webhooks.html", principal=principal, title="Webhooks", webhooks=items, when=_pages.when
    )


def _webhooks_with_dead_letters(conn: db.Connection, tenant_id: str) -> list[dict[str, Any]]:
    return [
        {
            **hook,
            "dead": webhooks.list_deliveries(
                conn, tenant_id, uuid.UUID(str(hook["webhook_id"])), "dead", DEAD_LETTERS_PER_WEBHOOK
            ),
        }
        for hook in webhooks.list_webhooks(conn, tenant_id)
    ]


routes = [
    Route("/ui/schedules", schedules_page, methods=["GET"], include_in_schema=False),
    Route("/ui/definitions", definitions_page, methods=["GET"], include_in_schema=False),
    Route("/ui/webhooks", webhooks_page, methods=["GET"], include_in_schema=False),
]
