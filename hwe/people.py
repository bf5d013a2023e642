"""People: a tenant's accounts and their personal tokens.

A person is an email within a tenant, with one or more roles (admin, operator, viewer); what they may do is their
highest role, ranked by SQL's `hwe.highest_role` as the API ranks roles. A password (argon2id, `hwe.passwords`) is
set when they accept an invitation (`hwe.invitations`). A personal token is an API key owned by a person: it
authenticates like any key (`tenants.authenticate`), acts with its owner's highest role of the moment, and goes when
its owner goes. Called by the API, which decides who may do what. The caller owns the transaction: a change of
several statements refuses to run outside one (`db.require_transaction`).
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hwe import db, errors, passwords, tenants

MAX_EMAIL_CHARS = 254
MAX_DISPLAY_NAME_CHARS = 200
MAX_TOKEN_HOURS = 8760
DEFAULT_TOKEN_HOURS = 24

# Deliberately loose: one @, something on each side, a dot in the domain. Whether the address receives mail is
# for the invitation to find out, not a pattern.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Page:
    """Which page of a listing: 1-based `number` of `size` rows."""

    number: int = 1
    size: int = 50

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class NewToken:
    """What an admin asks of a personal token: whose it is, how long it lives, and a description."""

    user_email: str
    hours: int = DEFAULT_TOKEN_HOURS
    description: str = ""


def normalize_email(raw: object) -> str:
    """An email as it is stored: stripped and lowercased.

    Raises:
        InvalidRequest: not a string that reads as an email address (code `invalid_email`).
    """
    if not isinstance(raw, str) or not 3 <= len(raw.strip()) <= MAX_EMAIL_CHARS or not _EMAIL.match(raw.strip()):
        raise errors.InvalidRequest("invalid_email", "email: an email address such as ada@example.com")
    return raw.strip().lower()


def check_roles(raw: object) -> tuple[str, ...]:
    """Roles as stored: known, each once, in the order of `tenants.ROLES`.

    Raises:
        InvalidRequest: not a non-empty list of admin, operator and viewer (code `invalid_role`).
    """
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or any(role not in tenants.ROLES for role in raw):
        raise errors.InvalidRequest("invalid_role", f"roles: one or more of {', '.join(tenants.ROLES)}")
    return tuple(role for role in tenants.ROLES if role in raw)


def create_user(
    conn: db.Connection,
    tenant_id: str,
    email: str,
    roles: Sequence[str],
    display_name: str = "",
    created_by: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """Adds a person to a tenant; returns them as `get_user` does. Without a password they cannot sign in until they
    accept an invitation.

    Raises:
        InvalidRequest: a bad email, role, display name or password.
        Conflict: the tenant has that person already (code `user_exists`).
    """
    email = normalize_email(email)
    params = {
        "tenant_id": tenant_id,
        "email": email,
        "display_name": check_display_name(display_name),
        "roles": list(check_roles(list(roles))),
        "password_hash": None if password is None else passwords.hash_password(passwords.check_new(password)),
        "created_by": created_by,
    }
    if not db.execute(conn, "people_insert_user", params):
        raise errors.Conflict("user_exists", f"{email} is already a user of this tenant")
    return get_user(conn, tenant_id, email)


def get_user(conn: db.Connection, tenant_id: str, email: str) -> dict[str, Any]:
    """One person of a tenant: email, display name, roles, highest role, whether active, dates; never a hash.

    Raises:
        NotFound: the tenant has no such person.
    """
    user = find_user(conn, tenant_id, email)
    if user is None:
        raise errors.NotFound(f"no user {email.strip().lower()!r} in this tenant")
    return user


def find_user(conn: db.Connection, tenant_id: str, email: str) -> dict[str, Any] | None:
    """One person of a tenant as `get_user` shows them, or None."""
    rows = db.execute(conn, "people_find_user", {"tenant_id": tenant_id, "email": email.strip().lower()})
    return tenants.json_row(rows[0]) if rows else None


def list_users(conn: db.Connection, tenant_id: str, role: str | None, page: Page) -> tuple[list[dict[str, Any]], int]:
    """A page of a tenant's people by email, optionally only those holding `role`, and how many match in all."""
    params = {"tenant_id": tenant_id, "role": role, "limit": page.size, "offset": page.offset}
    rows = db.execute(conn, "people_list_users", params)
    return page_rows(rows)


def update_user(
    conn: db.Connection,
    tenant_id: str,
    email: str,
    roles: Sequence[str] | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Changes a person's roles (all of them at once), display name or whether they are active (None: unchanged);
    returns them as `get_user` does. A disabled person's sessions and tokens stop working at once.

    Raises:
        InvalidRequest: a bad role or display name.
        NotFound: the tenant has no such person.
    """
    email = email.strip().lower()
    params = {
        "tenant_id": tenant_id,
        "email": email,
        "roles": None if roles is None else list(check_roles(list(roles))),
        "display_name": None if display_name is None else check_display_name(display_name),
        "disabled": None if active is None else not active,
    }
    if not db.execute(conn, "people_update_user", params):
        raise errors.NotFound(f"no user {email!r} in this tenant")
    return get_user(conn, tenant_id, email)


def add_role(conn: db.Connection, tenant_id: str, email: str, role: str) -> dict[str, Any]:
    """Gives a person one more role (holding it already changes nothing); returns them as `get_user` does.

    Raises:
        InvalidRequest: an unknown role.
        NotFound: the tenant has no such person.
    """
    (checked,) = check_roles([role])
    db.require_transaction(conn)
    user = get_user(conn, tenant_id, email)
    return update_user(conn, tenant_id, user["email"], roles=[*user["roles"], checked])


def remove_role(conn: db.Connection, tenant_id: str, email: str, role: str) -> dict[str, Any]:
    """Takes one role from a person; returns them as `get_user` does.

    Raises:
        NotFound: no such person, or they do not hold that role (code `role_not_assigned`).
        InvalidRequest: it is their last role (code `last_role`): remove the person instead.
    """
    db.require_transaction(conn)
    user = get_user(conn, tenant_id, email)
    if role not in user["roles"]:
        raise errors.NotFound(f"{user['email']} does not hold the role {role[:20]!r}")
    if len(user["roles"]) == 1:
        raise errors.InvalidRequest(
            "last_role", f"{role} is the last role of {user['email']}: remove the user with DELETE instead"
        )
    return update_user(conn, tenant_id, user["email"], roles=[r for r in user["roles"] if r != role])


def delete_user(conn: db.Connection, tenant_id: str, email: str) -> str:
    """Removes a person from a tenant, with their tokens, sessions and roles; returns their email.

    Raises:
        NotFound: the tenant has no such person.
    """
    email = email.strip().lower()
    if not db.execute(conn, "people_delete_user", {"tenant_id": tenant_id, "email": email}):
        raise errors.NotFound(f"no user {email!r} in this tenant")
    return email


def set_password(conn: db.Connection, tenant_id: str, email: str, password: str) -> None:
    """Sets a person's password.

    Raises:
        InvalidRequest: the password is too short or too long (code `weak_password`).
        NotFound: the tenant has no such person.
    """
    params = {
        "tenant_id": tenant_id,
        "email": email.strip().lower(),
        "password_hash": passwords.hash_password(passwords.check_new(password)),
    }
    if not db.execute(conn, "people_set_password", params):
        raise errors.NotFound(f"no user {params['email']!r} in this tenant")


def live_token_prefixes(conn: db.Connection, tenant_id: str, email: str) -> list[str]:
    """The public prefixes of a person's live tokens (the API forgets them from its cache when their rights change)."""
    rows = db.execute(conn, "people_user_key_prefixes", {"tenant_id": tenant_id, "email": email.strip().lower()})
    return [row["prefix"] for row in rows]


def create_token(
    conn: db.Connection,
    tenant_id: str,
    spec: NewToken,
    created_by: str,
    pepper: str,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Creates a personal token for a person of the tenant; returns it as `get_token` does, with `token` (the full
    secret, only in this answer and its replays).

    Raises:
        InvalidRequest: a bad email, lifetime or description.
        NotFound: the tenant has no such person.
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    if not 1 <= spec.hours <= MAX_TOKEN_HOURS:
        raise errors.InvalidRequest("invalid_expires_in_hours", f"expires_in_hours: 1 to {MAX_TOKEN_HOURS}")
    db.require_transaction(conn)
    stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
    secret = new_secret(pepper, tenant_id, idempotency)
    if stored is None:
        owner = get_user(conn, tenant_id, spec.user_email)
        params = {
            "tenant_id": tenant_id,
            "prefix": secrets.token_hex(6),
            "key_hash": tenants.key_hash(pepper, secret),
            "role": owner["role"],  # what the row says; authentication reads the owner's roles of the moment
            "name": None,
            "description": spec.description,
            "hours": spec.hours,
            "created_by": created_by,
            "user_email": owner["email"],
        }
        token_id = db.execute(conn, "people_insert_token", params)[0]["key_id"]
        stored = get_token(conn, tenant_id, token_id)
        tenants.record_idempotent_response(conn, tenant_id, idempotency, stored)
    return {**stored, "token": f"{stored['key_prefix']}_{secret}"}


def get_token(conn: db.Connection, tenant_id: str, token_id: uuid.UUID) -> dict[str, Any]:
    """One of a tenant's personal tokens: id, prefix, owner, description, status and dates; never its secret.

    Raises:
        NotFound: the tenant has no personal token with that id.
    """
    rows = db.execute(conn, "people_find_token", {"tenant_id": tenant_id, "token_id": token_id})
    if not rows:
        raise errors.NotFound(f"no token with id {token_id}")
    return _token(rows[0])


def list_tokens(
    conn: db.Connection, tenant_id: str, user_email: str | None, include_revoked: bool, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """A page of a tenant's personal tokens, oldest first, and how many match in all."""
    params = {
        "tenant_id": tenant_id,
        "user_email": None if user_email is None else user_email.strip().lower(),
        "include_revoked": include_revoked,
        "limit": page.size,
        "offset": page.offset,
    }
    tokens, total = page_rows(db.execute(conn, "people_list_tokens", params))
    return [_token(token) for token in tokens], total


def revoke_token(conn: db.Connection, tenant_id: str, token_id: uuid.UUID) -> dict[str, Any]:
    """Revokes a live personal token; returns it as it is now (status `revoked`).

    Raises:
        NotFound: the tenant has no personal token with that id.
        Conflict: it was revoked already (code `already_revoked`).
    """
    if not db.execute(conn, "people_revoke_token", {"tenant_id": tenant_id, "token_id": token_id}):
        token = get_token(conn, tenant_id, token_id)
        raise errors.Conflict("already_revoked", f"token {token_id} was revoked at {token['revoked_at']}")
    return get_token(conn, tenant_id, token_id)


def revoke_all_tokens(conn: db.Connection, tenant_id: str, email: str) -> list[str]:
    """Revokes every live token of a person; returns the revoked tokens' prefixes (`hw_<prefix>`).

    Raises:
        NotFound: the tenant has no such person.
    """
    user = get_user(conn, tenant_id, email)
    rows = db.execute(conn, "people_revoke_user_tokens", {"tenant_id": tenant_id, "email": user["email"]})
    return [f"hw_{row['prefix']}" for row in rows]


def check_display_name(raw: object) -> str:
    """A display name as stored: stripped.

    Raises:
        InvalidRequest: not a string of at most MAX_DISPLAY_NAME_CHARS printable characters.
    """
    if not isinstance(raw, str) or len(raw) > MAX_DISPLAY_NAME_CHARS or not raw.isprintable():
        raise errors.InvalidRequest(
            "invalid_display_name", f"display_name: at most {MAX_DISPLAY_NAME_CHARS} printable characters"
        )
    return raw.strip()


def new_secret(pepper: str, tenant_id: str, idempotency: tenants.Idempotency | None) -> str:
    """A new secret; under an idempotency key, the same one for every replay of the same request."""
    derived = tenants.derive_secret_bytes(pepper, tenant_id, idempotency)
    if derived is None:
        return secrets.token_urlsafe(32)
    return base64.urlsafe_b64encode(derived).decode().rstrip("=")


def _token(row: dict[str, Any]) -> dict[str, Any]:
    """A personal token as the tokens operations show it."""
    shown = tenants.json_row(row)
    shown["name"] = shown["description"] or f"token of {shown['user_email']}"
    return shown


def page_rows(rows: list[db.Row]) -> tuple[list[dict[str, Any]], int]:
    """The rows of a listing page as JSON, and the count of every row that matched (each row's `total`)."""
    total = int(rows[0]["total"]) if rows else 0
    return [tenants.json_row({k: v for k, v in row.items() if k != "total"}) for row in rows], total
