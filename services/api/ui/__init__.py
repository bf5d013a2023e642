"""The web console under /ui: server-rendered pages over the same authorization as the API.

`routes` is registered in `services.api._app.routes()`. Each page module exports its own `routes` list;
add it here. Not an API: every route is left out of the OpenAPI document.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from services.api.ui import (
    _catalog_pages,
    _invitation_pages,
    _invite_pages,
    _pages,
    _people_pages,
    _queue_pages,
    _render,
    _run_action_pages,
    _run_pages,
    _session_pages,
    _worker_action_pages,
)

routes: list[BaseRoute] = [
    *_render.routes,
    *_session_pages.routes,
    *_invitation_pages.routes,
    *_invite_pages.routes,
    *_pages.routes,
    *_run_pages.routes,
    *_run_action_pages.routes,
    *_queue_pages.routes,
    *_worker_action_pages.routes,
    *_catalog_pages.routes,
    *_people_pages.routes,
]
