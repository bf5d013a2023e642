"""The console's runs list: the same engine queries as GET /api/v1/workflows and GET /api/v1/workflows/stats.

Filters (state, workflow name, created time range) travel in the query string of a GET form, pages by the
REST list's keyset cursor, and the counts by state are the stats route's figures for the same name and time
window. The list refreshes itself (components/live). Not the run page (_run_pages.py) nor sign-in.
"""

from __future__ import annotations

import datetime
import logging
import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hwe import analytics, errors
from services.api import _analytics, _listing, _query, _state
from services.api.ui import _render

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
FILTERS = ("state", "name", "created_after", "created_before")


@_render.page
async def home(request: Request) -> Response:
    """The console's front page: the runs list."""
    return RedirectResponse("/ui/runs", status_code=303)


@_render.page
async def runs_page(request: Request) -> Response:
    """The runs list, filterable by state, name and created time, newest first, with counts by state."""
    principal = await _render.page_principal(request, "viewer")
    # An empty form field means "no filter": the GET form sends every field.
    query = {k: v for k, v in _query.query(request, (*FILTERS, "cursor", "flash")).items() if v != ""}
    state = _query.choice(query, "state", _listing.STATES)
    name = _query.text(query, "name")
    created_after, created_before = _query.time(query, "created_after"), _query.time(query, "created_before")
    after_created_at, after_id = _query.read_keyset_cursor(query)
    filters: dict[str, Any] = {
        "state": state,
        "workflow_name": name,
        "created_after": created_after,
        "created_before": created_before,
        "after": None if after_created_at is None or after_id is None else (after_created_at, after_id),
        "limit": PAGE_SIZE + 1,
    }
    api = _state.get(request)
    rows = await api.call(_listing.list_run_rows, principal.tenant_id, filters)
    try:
        overall, _by_name, window = await api.call(
            _analytics.run_stats, principal.tenant_id, analytics.MAX_WINDOW, created_after, created_before, name
        )
        counts: dict[str, int] | None = overall["status_breakdown"]
    except errors.InvalidRequest as exc:  # the stats route's window is at most 30 days; the list's is not bounded
        counts, window, counts_refused = None, None, str(exc)
    else:
        counts_refused = ""
    page_rows = rows[:PAGE_SIZE]
    kept = {k: query[k] for k in FILTERS if k in query}
    next_url = None
    if len(rows) > PAGE_SIZE:
        cursor = _query.keyset_cursor(page_rows[-1]["created_at"], page_rows[-1]["workflow_run_id"])
        next_url = "/ui/runs?" + urllib.parse.urlencode({**kept, "cursor": cursor})
    return _render.render(
        request,
        "pages/runs.html",
        principal=principal,
        title="Runs",
        runs=[_listing.run_summary(row) for row in page_rows],
        states=_listing.STATES,
        counts=counts,
        counts_refused=counts_refused,
        window=window,
        chosen={k: query.get(k, "") for k in FILTERS},
        state_link=lambda s: "/ui/runs?" + urllib.parse.urlencode({**kept, "state": s}),
        first_url=("/ui/runs?" + urllib.parse.urlencode(kept)) if "cursor" in query else None,
        next_url=next_url,
        when=when,
    )


def when(value: str | datetime.datetime | None) -> str:
    """A time (or its ISO 8601 text) as the console shows it: UTC, to the second."""
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


routes = [
    Route("/ui/", home, methods=["GET"], include_in_schema=False),
    Route("/ui", home, methods=["GET"], include_in_schema=False),
    Route("/ui/runs", runs_page, methods=["GET"], include_in_schema=False),
]
