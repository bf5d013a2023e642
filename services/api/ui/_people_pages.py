"""The console's people page, for admins: the tenant's people with their roles, and its invitations.

The lists are those of GET /api/v1/users and GET /api/v1/admin/invitations (`hwe.people`, `hwe.invitations`),
admin only as they are. Inviting is the invitation form's (`_invite_pages`); role changes and removal stay in
the API for now.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, invitations, people
from services.api import _state
from services.api.ui import _pages, _render

LISTED = people.Page(number=1, size=200)


@_render.page
async def people_page(request: Request) -> Response:
    """The tenant's people (email, name, roles, active, last sign-in) and invitations (status, expiry)."""
    principal = await _render.page_principal(request, "admin")
    view = await _state.get(request).call(_load, principal.tenant_id)
    return _render.render(request, "pages/people.html", principal=principal, title="People", when=_pages.when, **view)


def _load(conn: db.Connection, tenant_id: str) -> dict[str, Any]:
    users, user_total = people.list_users(conn, tenant_id, None, LISTED)
    invited, invitation_total = invitations.list_invitations(conn, tenant_id, None, None, LISTED)
    return {"users": users, "user_total": user_total, "invitations": invited, "invitation_total": invitation_total}


routes = [Route("/ui/people", people_page, methods=["GET"], include_in_schema=False)]
