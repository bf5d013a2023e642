"""Routes of highway-sdk 1.0.1's invitations operations: an admin invites, the invited person accepts.

Managing invitations needs an admin; accepting one is public (its one-time token is the credential). The link is
in the answer that made it only, and the configured sender (hwe/outbox.py) mails it.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import anyio
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, invitations, outbox, people, tenants
from services.api import _changes, _people, _query, _state

logger = logging.getLogger(__name__)

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
InvitationRequest:
  type: object
  required: [email]
  additionalProperties: false
  properties:
    email: {type: string, format: email, maxLength: 254}
    role: {$ref: '#/components/schemas/Role'}
    roles: {type: array, minItems: 1, items: {$ref: '#/components/schemas/Role'}, default: [viewer]}
    message: {type: string, maxLength: 2000}
    expires_in_days: {type: integer, minimum: 1, maximum: 30, default: 7}
Invitation:
  type: object
  required: [invitation_id, email, role, roles, status, created_at, expires_at, sent_count]
  properties:
    invitation_id: {type: string, format: uuid}
    email: {type: string}
    role: {$ref: '#/components/schemas/Role'}
    roles: {type: array, items: {$ref: '#/components/schemas/Role'}}
    message: {type: string}
    status: {type: string, enum: [pending, accepted, expired, revoked]}
    invited_by: {type: [string, "null"]}
    created_at: {type: string, format: date-time}
    expires_at: {type: string, format: date-time}
    sent_count: {type: integer}
    last_sent_at: {type: string, format: date-time}
    accepted_at: {type: [string, "null"], format: date-time}
    revoked_at: {type: [string, "null"], format: date-time}
NewInvitation:
  allOf:
    - {$ref: '#/components/schemas/Invitation'}
    - type: object
      required: [invitation_url, email_sent]
      properties:
        invitation_url: {type: string, description: "the one-time link; shown only in this answer"}
        email_sent: {type: boolean, description: "false: no sender is configured, pass the link on yourself"}
InvitationList:
  type: object
  required: [invitations, total, page, per_page]
  properties:
    invitations: {type: array, items: {$ref: '#/components/schemas/Invitation'}}
    total: {type: integer}
    page: {type: integer}
    per_page: {type: integer}
ResendRequest:
  type: object
  additionalProperties: false
  properties:
    expires_in_days: {type: integer, minimum: 1, maximum: 30, default: 7}
ResentInvitation:
  type: object
  required: [invitation_id, email, new_expires_at, new_invitation_url, email_sent, message]
  properties:
    invitation_id: {type: string, format: uuid}
    email: {type: string}
    new_expires_at: {type: string, format: date-time}
    new_invitation_url: {type: string}
    email_sent: {type: boolean}
    message: {type: string}
AcceptInvitation:
  type: object
  required: [token, email, password]
  additionalProperties: false
  properties:
    token: {type: string, maxLength: 200}
    email: {type: string, format: email}
    password: {type: string, minLength: 12, maxLength: 256}
    display_name: {type: string, maxLength: 200}
AcceptedInvitation:
  type: object
  required: [tenant_id, email, role, roles, message]
  properties:
    tenant_id: {type: string}
    email: {type: string}
    role: {$ref: '#/components/schemas/Role'}
    roles: {type: array, items: {$ref: '#/components/schemas/Role'}}
    message: {type: string}
""")


async def create_invitation(request: Request) -> Response:
    """Invites a person to the caller's tenant with one or more roles (viewer by default).

    The one-time link (`invitation_url`) is in this answer only; the configured sender mails it (in development it
    is written to `<state_dir>/outbox/` and the log). It expires after `expires_in_days` (7 by default, at most 30).
    ---
    tags: [invitations]
    x-role: admin
    x-body: InvitationRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the invitation
        x-data: NewInvitation
        links:
          GetInvitation:
            operationId: get_invitation
            parameters: {invitation_id: '$response.body#/data/invitation_id'}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("email", "role", "roles", "message", "expires_in_days"))
    message = body.get("message", "")
    if not isinstance(message, str):
        raise errors.InvalidRequest("invalid_message", f"message: at most {invitations.MAX_MESSAGE_CHARS} characters")
    spec = invitations.NewInvitation(
        email=people.normalize_email(body.get("email")),
        roles=people.check_roles(_people.roles_field(body, default=["viewer"])),
        days=_days(body),
        message=message,
    )
    state = _state.get(request)
    invitation = await _changes.change(
        request,
        principal,
        invitations.create_invitation,
        principal.tenant_id,
        spec,
        _people.actor(principal),
        state.pepper,
        _state.idempotency(request, "create_invitation", body),
    )
    token = invitation.pop("token")
    link = invitation_link(request, token)
    sent = await send_invitation(request, principal.tenant_id, invitation, link)
    return _state.success({**invitation, "invitation_url": link, "email_sent": sent}, status=201)


async def list_invitations(request: Request) -> Response:
    """A page of the caller's tenant's invitations, newest first, optionally of one status or email.

    ---
    tags: [invitations]
    x-role: admin
    parameters:
      - {name: status, in: query, schema: {type: string, enum: [pending, accepted, expired, revoked]}}
      - {name: email, in: query, schema: {type: string}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
    responses:
      200: {description: the invitations, x-data: InvitationList}
    """
    principal = await _state.authenticate(request, require="admin")
    params = _query.query(request, ("status", "email", "page", "per_page"))
    status = _query.choice(params, "status", invitations.INVITATION_STATUSES)
    email = _query.text(params, "email", people.MAX_EMAIL_CHARS)
    page = _people.page(params)
    found, total = await _state.get(request).call(
        invitations.list_invitations, principal.tenant_id, status, email, page
    )
    return _state.success(_people.page_answer("invitations", found, total, page))


async def get_invitation(request: Request) -> Response:
    """One invitation of the caller's tenant, with its status; never its link.

    ---
    tags: [invitations]
    x-role: admin
    responses:
      200: {description: the invitation, x-data: Invitation}
    """
    principal = await _state.authenticate(request, require="admin")
    invitation_id = _state.path_uuid(request, "invitation_id")
    return _state.success(
        await _state.get(request).call(invitations.get_invitation, principal.tenant_id, invitation_id)
    )


async def resend_invitation(request: Request) -> Response:
    """Sends an invitation again with a new link and expiry; the old link stops working.

    An expired invitation may be resent; an accepted or revoked one may not (409).
    ---
    tags: [invitations]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the new link and expiry, x-data: ResentInvitation}
    """
    principal = await _state.authenticate(request, require="admin")
    invitation_id = _state.path_uuid(request, "invitation_id")
    body = await _state.read_json_object(request, ("expires_in_days",)) if await request.body() else {}
    state = _state.get(request)
    idempotency = _state.idempotency(request, "resend_invitation", {"invitation_id": str(invitation_id), **body})
    invitation = await _changes.change(
        request,
        principal,
        invitations.resend_invitation,
        principal.tenant_id,
        invitation_id,
        _days(body),
        state.pepper,
        idempotency,
    )
    link = invitation_link(request, invitation.pop("token"))
    sent = await send_invitation(request, principal.tenant_id, invitation, link)
    return _state.success(
        {
            "invitation_id": invitation["invitation_id"],
            "email": invitation["email"],
            "new_expires_at": invitation["expires_at"],
            "new_invitation_url": link,
            "email_sent": sent,
            "message": f"invitation sent again to {invitation['email']}",
        }
    )


async def revoke_invitation(request: Request) -> Response:
    """Revokes a pending invitation: its link stops working.

    ---
    tags: [invitations]
    x-role: admin
    responses:
      200: {description: the invitation as it is now, x-data: Invitation}
      409: {$ref: '#/components/responses/Conflict'}
    """
    principal = await _state.authenticate(request, require="admin")
    invitation_id = _state.path_uuid(request, "invitation_id")
    await _people.optional_reason(request)
    revoked = await _changes.change(
        request, principal, invitations.revoke_invitation, principal.tenant_id, invitation_id
    )
    return _state.success(revoked)


async def accept_invitation(request: Request) -> Response:
    """Joins a tenant with an invitation's one-time token, the invited email and a new password.

    Public: the token is the credential, and works once. Then sign in with the email and password.
    ---
    tags: [invitations]
    security: []
    x-body: AcceptInvitation
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the person is a member, x-data: AcceptedInvitation}
      404: {$ref: '#/components/responses/NotFound'}
      410:
        description: the invitation expired
        content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
    """
    body = await _state.read_json_object(request, ("token", "email", "password", "display_name"))
    token, password = body.get("token"), body.get("password")
    if not isinstance(token, str) or not 0 < len(token) <= 200:
        raise errors.InvalidRequest("invalid_token", "token: the token of the invitation link")
    if not isinstance(password, str):
        raise errors.InvalidRequest("weak_password", "password: a string of 12 to 256 characters")
    acceptance = invitations.Acceptance(token, body.get("email"), password, body.get("display_name", ""))
    # The password is a secret: what identifies a replay is the rest of the request.
    replay_of = {name: value for name, value in body.items() if name != "password"}
    idempotency = _state.idempotency(request, "accept_invitation", replay_of)
    joined = await join(request, acceptance, idempotency)
    message = f"Welcome: you are a member of {joined['tenant_id']}. Sign in with your email and password."
    return _state.success({**joined, "message": message})


def _days(body: dict[str, Any]) -> int:
    days = body.get("expires_in_days", invitations.DEFAULT_INVITATION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int):
        raise errors.InvalidRequest(
            "invalid_expires_in_days", f"expires_in_days: 1 to {invitations.MAX_INVITATION_DAYS}"
        )
    return days


async def join(
    request: Request, acceptance: invitations.Acceptance, idempotency: tenants.Idempotency | None
) -> dict[str, Any]:
    """Accepts an invitation in one transaction, then records it in the audit trail: what the API route and the
    console's page both do.

    Raises:
        what `invitations.accept_invitation` raises.
    """
    state = _state.get(request)

    def accept(conn: db.Connection) -> dict[str, Any]:
        with conn.transaction():
            return invitations.accept_invitation(conn, acceptance, state.pepper, idempotency)

    joined = await state.call(accept)
    await _changes.record_public_change(request, joined["tenant_id"])
    return joined


def invitation_link(request: Request, token: str) -> str:
    """The one-time link of an invitation: the console's accept page with the token."""
    base = _state.get(request).settings.api_public_url or str(request.base_url)
    return f"{base.rstrip('/')}/ui/invitations/accept?{urllib.parse.urlencode({'token': token})}"


async def send_invitation(request: Request, tenant_id: str, invitation: dict[str, Any], link: str) -> bool:
    """Mails the invitation through the configured sender; False when there is none or it failed (the admin still
    has the link, and may resend)."""
    sender = outbox.sender_for(_state.get(request).settings)
    if sender is None:
        return False
    message = outbox.Invitation(
        to=invitation["email"],
        tenant_id=tenant_id,
        role=invitation["role"],
        link=link,
        expires_at=invitation["expires_at"],
        message=invitation.get("message", ""),
    )
    try:
        await anyio.to_thread.run_sync(sender.send, message)
    except OSError as err:
        logger.warning("invitation %s not sent: %s", invitation["invitation_id"], type(err).__name__)
        return False
    return True


routes = [
    Route("/api/v1/admin/invitations", create_invitation, methods=["POST"]),
    Route("/api/v1/admin/invitations", list_invitations, methods=["GET"]),
    Route("/api/v1/admin/invitations/{invitation_id}", get_invitation, methods=["GET"]),
    Route("/api/v1/admin/invitations/{invitation_id}", revoke_invitation, methods=["DELETE"]),
    Route("/api/v1/admin/invitations/{invitation_id}/resend", resend_invitation, methods=["POST"]),
    Route("/api/v1/invitations/accept", accept_invitation, methods=["POST"]),
]
