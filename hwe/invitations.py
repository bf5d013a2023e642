"""Invitations to join a tenant, with a one-time token.

An admin invites an email with roles; the invitation's link carries a one-time token, stored only as a keyed hash
under the pepper. Accepting it with the invited email and a new password makes the person a member
(`hwe.people`); resending gives it a new token and expiry, and the old link stops working. Called by the API;
mailing the link is `hwe.outbox`'s job. The caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

from hwe import db, errors, passwords, people, tenants

MAX_MESSAGE_CHARS = 2000
DEFAULT_INVITATION_DAYS = 7
MAX_INVITATION_DAYS = 30
INVITATION_STATUSES = ("pending", "accepted", "expired", "revoked")


@dataclass(frozen=True)
class NewInvitation:
    """Whom to invite, with which roles, how long the link lives, and a message for them."""

    email: str
    roles: tuple[str, ...]
    days: int = DEFAULT_INVITATION_DAYS
    message: str = ""


@dataclass(frozen=True)
class Acceptance:
    """What the invited person sends: the link's token, the invited email, a new password, a display name."""

    token: str
    email: object
    password: str
    display_name: object = ""


def create_invitation(
    conn: db.Connection,
    tenant_id: str,
    spec: NewInvitation,
    invited_by: str,
    pepper: str,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Invites a person to the tenant; returns the invitation as `get_invitation` does, with `token` (the one-time
    secret of its link, only in this answer and its replays: the caller sends it).

    Raises:
        InvalidRequest: a bad email, role, lifetime or message.
        Conflict: they are a member already (`already_member`), or have a pending invitation (`invitation_pending`).
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    email = people.normalize_email(spec.email)
    roles = people.check_roles(list(spec.roles))
    _check_days(spec.days)
    if len(spec.message) > MAX_MESSAGE_CHARS:
        raise errors.InvalidRequest("invalid_message", f"message: at most {MAX_MESSAGE_CHARS} characters")
    db.require_transaction(conn)
    stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
    token = people.new_secret(pepper, tenant_id, idempotency)
    if stored is None:
        if people.find_user(conn, tenant_id, email) is not None:
            raise errors.Conflict("already_member", f"{email} is already a user of this tenant")
        db.execute(conn, "people_close_expired_invitation", {"tenant_id": tenant_id, "email": email})
        params = {
            "tenant_id": tenant_id,
            "email": email,
            "roles": list(roles),
            "message": spec.message,
            "token_hash": _token_hash(pepper, token),
            "invited_by": invited_by,
            "ttl_seconds": spec.days * 86_400,
        }
        rows = db.execute(conn, "people_insert_invitation", params)
        if not rows:
            raise errors.Conflict(
                "invitation_pending", f"{email} has a pending invitation: resend or revoke it instead"
            )
        stored = get_invitation(conn, tenant_id, rows[0]["invitation_id"])
        tenants.record_idempotent_response(conn, tenant_id, idempotency, stored)
    return {**stored, "token": token}


def get_invitation(conn: db.Connection, tenant_id: str, invitation_id: uuid.UUID) -> dict[str, Any]:
    """One of a tenant's invitations: email, roles, status, who invited, dates; never its token.

    Raises:
        NotFound: the tenant has no invitation with that id.
    """
    rows = db.execute(conn, "people_find_invitation", {"tenant_id": tenant_id, "invitation_id": invitation_id})
    if not rows:
        raise errors.NotFound(f"no invitation with id {invitation_id}")
    return tenants.json_row(rows[0])


def list_invitations(
    conn: db.Connection, tenant_id: str, status: str | None, email: str | None, page: people.Page
) -> tuple[list[dict[str, Any]], int]:
    """A page of a tenant's invitations, newest first, and how many match in all."""
    params = {
        "tenant_id": tenant_id,
        "status": status,
        "email": None if email is None else email.strip().lower(),
        "limit": page.size,
        "offset": page.offset,
    }
    return people.page_rows(db.execute(conn, "people_list_invitations", params))


def resend_invitation(
    conn: db.Connection,
    tenant_id: str,
    invitation_id: uuid.UUID,
    days: int,
    pepper: str,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Gives an invitation that is not accepted or revoked a new token and expiry (an expired one comes back to
    life); returns it as `get_invitation` does, with the new `token`. The old link stops working.

    Raises:
        InvalidRequest: a bad lifetime.
        NotFound: the tenant has no invitation with that id.
        Conflict: it was accepted or revoked (code `invitation_closed`).
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    _check_days(days)
    db.require_transaction(conn)
    stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
    token = people.new_secret(pepper, tenant_id, idempotency)
    if stored is None:
        params = {
            "tenant_id": tenant_id,
            "invitation_id": invitation_id,
            "token_hash": _token_hash(pepper, token),
            "ttl_seconds": days * 86_400,
        }
        if not db.execute(conn, "people_resend_invitation", params):
            invitation = get_invitation(conn, tenant_id, invitation_id)
            raise errors.Conflict("invitation_closed", f"invitation {invitation_id} is {invitation['status']}")
        stored = get_invitation(conn, tenant_id, invitation_id)
        tenants.record_idempotent_response(conn, tenant_id, idempotency, stored)
    return {**stored, "token": token}


def revoke_invitation(conn: db.Connection, tenant_id: str, invitation_id: uuid.UUID) -> dict[str, Any]:
    """Revokes a pending invitation: its link stops working. Returns it as it is now (status `revoked`).

    Raises:
        NotFound: the tenant has no invitation with that id.
        Conflict: it is accepted, revoked or expired already (code `invitation_closed`).
    """
    if not db.execute(conn, "people_revoke_invitation", {"tenant_id": tenant_id, "invitation_id": invitation_id}):
        invitation = get_invitation(conn, tenant_id, invitation_id)
        raise errors.Conflict("invitation_closed", f"invitation {invitation_id} is {invitation['status']}")
    return get_invitation(conn, tenant_id, invitation_id)


def accept_invitation(
    conn: db.Connection, acceptance: Acceptance, pepper: str, idempotency: tenants.Idempotency | None
) -> dict[str, Any]:
    """Makes the invited person a member of the invitation's tenant with its roles and the password they chose;
    returns {tenant_id, email, roles, role}. The token works once; a replay with the same idempotency key answers
    the first answer.

    Raises:
        InvalidRequest: a weak password, a bad display name, or an email that is not the invited one
            (code `email_mismatch`).
        NotFound: no invitation has that token (a resent invitation's old token included).
        Conflict: the invitation was accepted or revoked (code `invitation_closed`).
        Gone: it expired (code `invitation_expired`): ask for it to be resent.
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    passwords.check_new(acceptance.password)
    name = people.check_display_name(acceptance.display_name)
    db.require_transaction(conn)
    rows = db.execute(conn, "people_lock_invitation", {"token_hash": _token_hash(pepper, acceptance.token)})
    if not rows:
        raise errors.NotFound("no invitation has this token: it may have been resent with a new link")
    invitation = rows[0]
    stored = tenants.claim_idempotency_key(conn, invitation["tenant_id"], idempotency)
    if stored is not None:
        return stored
    if invitation["status"] == "expired":
        raise errors.Gone("invitation_expired", "this invitation has expired: ask an admin to resend it")
    if invitation["status"] != "pending":
        raise errors.Conflict("invitation_closed", f"this invitation is {invitation['status']}")
    if not isinstance(acceptance.email, str) or acceptance.email.strip().lower() != invitation["email"]:
        raise errors.InvalidRequest("email_mismatch", "email: the address the invitation was sent to")
    params = {
        "tenant_id": invitation["tenant_id"],
        "email": invitation["email"],
        "roles": invitation["roles"],
        "display_name": name,
        "password_hash": passwords.hash_password(acceptance.password),
        "created_by": f"invitation:{invitation['invitation_id']}",
    }
    joined = db.execute(conn, "people_join_by_invitation", params)[0]
    db.execute(conn, "people_accept_invitation", {"invitation_id": invitation["invitation_id"]})
    answer = {"tenant_id": invitation["tenant_id"], "email": invitation["email"], **joined}
    tenants.record_idempotent_response(conn, invitation["tenant_id"], idempotency, answer)
    return answer


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_INVITATION_DAYS:
        raise errors.InvalidRequest("invalid_expires_in_days", f"expires_in_days: 1 to {MAX_INVITATION_DAYS}")


def _token_hash(pepper: str, token: str) -> str:
    """What an invitation stores for its token: HMAC-SHA256 under the pepper (the token has 256 random bits)."""
    return hmac.new(pepper.encode(), b"invitation\0" + token.encode(), hashlib.sha256).hexdigest()
