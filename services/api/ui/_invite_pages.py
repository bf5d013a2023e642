"""The console's invitation form, for admins: invite a person to the tenant with a role.

The form (GET /ui/people/invite) posts with the session's CSRF token and an idempotency key made when it rendered,
so a double submit invites once. The POST runs what POST /api/v1/admin/invitations runs (`hwe.invitations`, the same
audit record and idempotency name, the same sender), then answers 303 to the people page with a flash message that
says whether the invitation was mailed. The link itself is never shown on a page: it goes to the invited person.
"""

from __future__ import annotations

import urllib.parse
import uuid

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hwe import errors, invitations, people, tenants
from services.api import _changes, _invitations, _people, _state
from services.api.ui import _render, _run_action_pages
from services.api.ui._render import form_field

MAX_FIELD_CHARS = 4096


@_render.page
async def invite_page(request: Request) -> Response:
    """The form: email, role, an optional message, and how many days the link lives."""
    principal = await _render.page_principal(request, "admin")
    return _form(request, principal)


@_render.page
async def invite(request: Request) -> Response:
    """Invites through the REST operation's engine function, then 303 to the people page; a refusal shows the form
    again with the reason."""
    form = await request.form(max_files=0, max_fields=8, max_part_size=MAX_FIELD_CHARS)
    principal = await _render.page_principal(request, "admin", csrf_token=form_field(form, "csrf_token"))
    email, role, message = form_field(form, "email").strip(), form_field(form, "role"), form_field(form, "message")
    days = form_field(form, "expires_in_days") or str(invitations.DEFAULT_INVITATION_DAYS)
    again = {"email": email, "role": role, "message": message, "days": days}
    try:
        if not days.isascii() or not days.isdigit():
            raise errors.InvalidRequest("invalid_expires_in_days", "Days: a whole number")
        spec = invitations.NewInvitation(people.normalize_email(email), people.check_roles([role]), int(days), message)
        # Hashed as the REST route hashes its body, so the form and the API share one idempotency operation.
        body = {"email": email, "roles": [role], "message": message, "expires_in_days": int(days)}
        key = form_field(form, "idempotency_key")
        idempotency = _state.idempotency_of("create_invitation", key, body, _run_action_pages.FORM_KEY)
        state = _state.get(request)
        invitation = await _changes.change(
            request,
            principal,
            invitations.create_invitation,
            principal.tenant_id,
            spec,
            _people.actor(principal),
            state.pepper,
            idempotency,
        )
    except (errors.InvalidRequest, errors.Conflict) as exc:
        return _form(request, principal, 409 if isinstance(exc, errors.Conflict) else 400, error=str(exc), **again)
    link = _invitations.invitation_link(request, invitation.pop("token"))
    sent = await _invitations.send_invitation(request, principal.tenant_id, invitation, link)
    flash = f"{invitation['email']} is invited as {invitation['role']}." + (
        " The invitation was mailed." if sent else " No mail sender is configured: resend it through the API."
    )
    return RedirectResponse("/ui/people?" + urllib.parse.urlencode({"flash": flash}), status_code=303)


def _form(request: Request, principal: tenants.Principal, status: int = 200, **ctx: str) -> Response:
    values = {"email": "", "role": "viewer", "message": "", "days": str(invitations.DEFAULT_INVITATION_DAYS), **ctx}
    return _render.render(
        request,
        "pages/invite.html",
        principal=principal,
        status_code=status,
        title="Invite a person",
        roles=tenants.ROLES,
        max_days=invitations.MAX_INVITATION_DAYS,
        idempotency_key=str(uuid.uuid4()),
        error=ctx.get("error", ""),
        **{name: value for name, value in values.items() if name != "error"},
    )


routes = [
    Route("/ui/people/invite", invite_page, methods=["GET"], include_in_schema=False),
    Route("/ui/people/invite", invite, methods=["POST"], include_in_schema=False),
]
