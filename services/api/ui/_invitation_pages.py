"""The page an invitation's link opens: the invited person chooses a password and joins the tenant.

Public, as POST /api/v1/invitations/accept is: the link's one-time token is the credential. Accepting runs the same
engine function (`hwe.invitations.accept_invitation`) and writes the same audit record, then goes to the sign-in
page. A refusal (a wrong email, a weak password, an expired or used link) shows the form again with the reason.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hwe import errors, invitations, passwords
from services.api import _invitations, _state
from services.api.ui import _render
from services.api.ui._render import form_field

MAX_FIELD_CHARS = 4096
MAX_TOKEN_CHARS = 200
MISMATCH = "The two passwords differ: type the same password twice."
# Why a link cannot be used, in the words of the page (the API's codes say the same).
CLOSED = {
    "NotFound": "This invitation link is not valid any more: it may have been sent again with a new link.",
    "Gone": "This invitation has expired: ask an admin of the tenant to send it again.",
    "Conflict": "This invitation was already used or was revoked: sign in, or ask an admin for a new one.",
}


@_render.page
async def invitation_page(request: Request) -> Response:
    """The form to accept an invitation: email, display name and a new password, twice."""
    token = request.query_params.get("token", "")
    return _form(request, token=token[:MAX_TOKEN_CHARS])


@_render.page
async def accept_invitation(request: Request) -> Response:
    """Accepts the invitation, then 303 to the sign-in page; a refusal shows the form again with the reason."""
    _state.check_origin(request)
    form = await request.form(max_files=0, max_fields=8, max_part_size=MAX_FIELD_CHARS)
    token, email, name = form_field(form, "token"), form_field(form, "email").strip(), form_field(form, "display_name")
    password = form_field(form, "password")
    again: dict[str, Any] = {"token": token[:MAX_TOKEN_CHARS], "email": email, "display_name": name}
    if password != form_field(form, "password_again"):
        return _form(request, 400, error=MISMATCH, **again)
    if not 0 < len(token) <= MAX_TOKEN_CHARS:
        return _form(request, 404, error=CLOSED["NotFound"], **again)
    acceptance = invitations.Acceptance(token, email, password, name)
    try:
        joined = await _invitations.join(request, acceptance, None)
    except (errors.NotFound, errors.Gone, errors.Conflict) as exc:
        kind = type(exc).__name__
        return _form(request, {"NotFound": 404, "Gone": 410}.get(kind, 409), error=CLOSED[kind], **again)
    except errors.InvalidRequest as exc:
        message = str(exc) if exc.code != "weak_password" else _weak_password()
        return _form(request, 400, error=message, **again)
    flash = f"Welcome: you are a member of {joined['tenant_id']}. Sign in with your email and password."
    return RedirectResponse("/ui/login?" + urllib.parse.urlencode({"flash": flash}), status_code=303)


def _weak_password() -> str:
    return f"Choose a password of {passwords.MIN_CHARS} to {passwords.MAX_CHARS} characters."


def _form(request: Request, status: int = 200, **ctx: Any) -> Response:
    values = {"token": "", "email": "", "display_name": "", "error": "", "min_chars": passwords.MIN_CHARS, **ctx}
    return _render.render(request, "pages/accept_invitation.html", status_code=status, title="Join a tenant", **values)


routes = [
    Route("/ui/invitations/accept", invitation_page, methods=["GET"], include_in_schema=False),
    Route("/ui/invitations/accept", accept_invitation, methods=["POST"], include_in_schema=False),
]
