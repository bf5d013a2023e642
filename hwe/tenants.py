"""Tenants and their API keys, named or not.

A key reads `hw_<prefix>_<secret>`. Only the prefix (to find the row) and a keyed hash of the secret
(HMAC-SHA256 under the pepper) are stored; the full key is shown once, when created. Called by the CLI
(bootstrap) and by the API (authentication, tenant and key management). Does not decide what a
role may do: the API does. The caller owns the transaction: a change of several statements refuses to run outside
one (`db.require_transaction`).

Management requests may carry an idempotency key. The same key with the same request answers the
same response, including the same API key: the secret of a key created that way is derived from
the pepper and the request (HMAC), so it can be given again without being stored anywhere.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import argon2
from psycopg.types.json import Jsonb

from hwe import db, errors

ROLES = ("admin", "operator", "viewer")
# The tenant whose admins may create other tenants.
BOOTSTRAP_TENANT = "default"
_TENANT_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
# A secret carries 190 random bits, so a slow password hash buys nothing against guessing while it
# cost 3.3 ms of CPU per request; a keyed SHA-256 (as GitHub and Stripe tokens use) is enough. The prefix
# tells it apart from the argon2id hashes that keys made by earlier releases still have.
_HMAC_PREFIX = "hmac-sha256:"
# argon2 stays only to verify those older rows, once each: the first use rewrites the row's hash in
# the HMAC form. Same parameters they were hashed with.
_LEGACY_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant, the role acted with, the tenant's queue, the key's public prefix (if a key), and
    the person's email (if a person: a signed-in user or the owner of a personal token)."""

    tenant_id: str
    role: str
    queue_name: str
    key_prefix: str = ""
    user_email: str = ""


@dataclass(frozen=True)
class Idempotency:
    """An idempotency key sent with a management request, and the hash of that request's body."""

    operation: str
    key: str
    request_hash: str

    @property
    def digest(self) -> str:
        """What is stored instead of the key itself."""
        return hashlib.sha256(self.key.encode()).hexdigest()


def create_tenant(conn: db.Connection, tenant_id: str, queue_name: str = "default") -> None:
    """Creates a tenant bound to a queue (and the queue's tables); an existing tenant is kept.

    Raises:
        ValueError: the queue name is invalid.
    """
    db.validate_queue_name(queue_name)
    # Both statements are idempotent, so they need no transaction: run again, they finish what a failure left.
    db.execute(conn, "ensure_queue", {"queue_name": queue_name})
    db.execute(conn, "create_tenant", {"tenant_id": tenant_id, "queue_name": queue_name})


def create_api_key(conn: db.Connection, tenant_id: str, role: str, pepper: str) -> str:
    """Creates an API key for a tenant and returns it; only its hash is stored.

    Raises:
        ValueError: unknown role.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    secret = secrets.token_urlsafe(24)
    row = _insert_key(conn, tenant_id, role, pepper, secret)
    return f"hw_{row['prefix']}_{secret}"


def authenticate(conn: db.Connection, api_key: str, pepper: str) -> Principal:
    """Returns the principal an API key belongs to.

    Raises:
        Unauthorized: the key is malformed, unknown, revoked or does not match.
    """
    parts = api_key.split("_", 2)
    if len(parts) != 3 or parts[0] != "hw" or not parts[1] or not parts[2]:
        raise errors.Unauthorized("malformed API key")
    rows = db.execute(conn, "find_api_key", {"prefix": parts[1]})
    if not rows:
        raise errors.Unauthorized("unknown or revoked API key")
    row = rows[0]
    stored: str = row["key_hash"]
    sent_hash = key_hash(pepper, parts[2])
    if stored.startswith(_HMAC_PREFIX):
        if not hmac.compare_digest(stored.encode(), sent_hash.encode()):
            raise errors.Unauthorized("unknown or revoked API key")
    else:
        try:
            _LEGACY_HASHER.verify(stored, pepper + parts[2])
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError) as err:
            raise errors.Unauthorized("unknown or revoked API key") from err
        db.execute(conn, "upgrade_api_key_hash", {"prefix": parts[1], "old_hash": stored, "key_hash": sent_hash})
    return Principal(
        tenant_id=row["tenant_id"],
        role=row["role"],
        queue_name=row["queue_name"],
        key_prefix=parts[1],
        user_email=row["user_email"],
    )


def register_tenant(
    conn: db.Connection, caller_tenant_id: str, tenant_id: str, pepper: str, idempotency: Idempotency | None
) -> dict[str, Any]:
    """Creates a tenant with a queue of its own (named after it) and a first admin key for it.

    Returns `tenant_id`, `queue_name`, `created_at` and `admin_key` (`key`, `prefix`, `role`,
    `created_at`); the full key is only in this answer (and in a replay of the same request).

    Args:
        conn: a connection; the tenant, its queue and its key are created in one transaction.
        caller_tenant_id: the tenant of the caller, who must be of the bootstrap tenant.
        tenant_id: the new tenant's id; its queue is named after it, with `-` turned into `_`.
        pepper: the API-key pepper.
        idempotency: the request's idempotency key, if it sent one.

    Raises:
        Forbidden: the caller is not of the bootstrap tenant.
        InvalidRequest: the tenant id is not valid.
        TenantExists: the tenant already exists.
        TenantConflict: another tenant's queue has that tenant's queue name.
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    if caller_tenant_id != BOOTSTRAP_TENANT:
        raise errors.Forbidden(f"only an admin of the {BOOTSTRAP_TENANT!r} tenant may create tenants")
    if not isinstance(tenant_id, str) or not _TENANT_ID.match(tenant_id) or len(tenant_id) > 41:
        raise errors.InvalidRequest(
            "invalid_tenant", "tenant_id: a lowercase letter, then lowercase letters, digits, _ or -, at most 41"
        )
    queue_name = tenant_id.replace("-", "_")
    db.require_transaction(conn)
    stored = claim_idempotency_key(conn, caller_tenant_id, idempotency)
    if stored is not None:
        return _with_admin_key(stored, _derived_secret(pepper, caller_tenant_id, idempotency))
    # The tenant is checked first, so re-creating one says so rather than naming its queue.
    if tenant_exists(conn, tenant_id):
        raise errors.TenantExists(f"tenant {tenant_id!r} already exists")
    if not db.execute(conn, "claim_queue", {"queue_name": queue_name}):
        raise errors.TenantConflict(
            f"tenant {tenant_id!r} would get the queue {queue_name!r}, which another tenant has; choose another id"
        )
    rows = db.execute(conn, "insert_tenant", {"tenant_id": tenant_id, "queue_name": queue_name})
    if not rows:
        raise errors.TenantExists(f"tenant {tenant_id!r} already exists")
    db.execute(conn, "create_tenant_queue", {"queue_name": queue_name})
    secret = _derived_secret(pepper, caller_tenant_id, idempotency) or secrets.token_urlsafe(24)
    key_row = _insert_key(conn, tenant_id, "admin", pepper, secret)
    response = {**json_row(rows[0]), "admin_key": json_row(key_row)}
    record_idempotent_response(conn, caller_tenant_id, idempotency, response)
    return _with_admin_key(response, secret)


def tenant_exists(conn: db.Connection, tenant_id: str) -> bool:
    """Whether a tenant with that id exists."""
    return bool(db.execute(conn, "tenant_exists", {"tenant_id": tenant_id}))


@dataclass(frozen=True)
class NamedKey:
    """What an admin asks of a named API key: its name, role, description and expiry (None: never)."""

    name: str
    role: str
    description: str = ""
    expires_at: datetime.datetime | None = None


def create_named_api_key(
    conn: db.Connection,
    tenant_id: str,
    spec: NamedKey,
    created_by: str,
    pepper: str,
    idempotency: Idempotency | None,
) -> dict[str, Any]:
    """Creates a named API key for a tenant; returns it as `list_named_api_keys` shows it, with `api_key` (the full
    key, only in this answer and its replays).

    Raises:
        InvalidRequest: unknown role.
        Conflict: a live key of the tenant already has that name (code `name_taken`).
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    if spec.role not in ROLES:
        raise errors.InvalidRequest("invalid_role", f"role must be one of {', '.join(ROLES)}")
    db.require_transaction(conn)
    stored = claim_idempotency_key(conn, tenant_id, idempotency)
    secret = _derived_secret(pepper, tenant_id, idempotency) or secrets.token_urlsafe(24)
    if stored is None:
        stored = _insert_named_key(conn, tenant_id, spec, created_by, pepper, secret)
        record_idempotent_response(conn, tenant_id, idempotency, stored)
    return {**stored, "api_key": f"{stored['key_prefix']}_{secret}"}


def list_named_api_keys(conn: db.Connection, tenant_id: str) -> list[dict[str, Any]]:
    """A tenant's API keys, oldest first, named or not: id, prefix, name, role, dates and status; never a hash."""
    return [json_row(row) for row in db.execute(conn, "list_admin_api_keys", {"tenant_id": tenant_id})]


def get_named_api_key(conn: db.Connection, tenant_id: str, api_key_id: uuid.UUID) -> dict[str, Any]:
    """One of a tenant's API keys, as `list_named_api_keys` shows it.

    Raises:
        ApiKeyNotFound: the tenant has no key with that id.
    """
    rows = db.execute(conn, "find_admin_api_key", {"tenant_id": tenant_id, "api_key_id": api_key_id})
    if not rows:
        raise errors.ApiKeyNotFound(f"no API key with id {api_key_id}")
    return json_row(rows[0])


def revoke_api_key_by_id(conn: db.Connection, tenant_id: str, api_key_id: uuid.UUID) -> dict[str, Any]:
    """Revokes one of a tenant's live API keys; returns the key as it is now (status `revoked`).

    Raises:
        ApiKeyNotFound: the tenant has no key with that id.
        Conflict: the key was revoked already (code `already_revoked`).
    """
    if not _revoke_live_key(conn, tenant_id, api_key_id):
        key = get_named_api_key(conn, tenant_id, api_key_id)
        raise errors.Conflict("already_revoked", f"API key {api_key_id} was revoked at {key['revoked_at']}")
    return get_named_api_key(conn, tenant_id, api_key_id)


def rotate_api_key(
    conn: db.Connection,
    tenant_id: str,
    api_key_id: uuid.UUID,
    created_by: str,
    pepper: str,
    idempotency: Idempotency | None,
) -> dict[str, Any]:
    """Replaces a live key by a new one of the same name, role, description and expiry, in one transaction: from
    its commit the old key is refused and the new one works. Returns the new key as `create_named_api_key` does,
    with `rotated_from` (the old key's id and prefix).

    Raises:
        ApiKeyNotFound: the tenant has no key with that id.
        Conflict: the key is revoked (code `already_revoked`).
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    db.require_transaction(conn)
    stored = claim_idempotency_key(conn, tenant_id, idempotency)
    secret = _derived_secret(pepper, tenant_id, idempotency) or secrets.token_urlsafe(24)
    if stored is None:
        rows = db.execute(conn, "lock_api_key", {"tenant_id": tenant_id, "api_key_id": api_key_id})
        if not rows:
            raise errors.ApiKeyNotFound(f"no API key with id {api_key_id}")
        old = rows[0]
        if old["revoked_at"] is not None:
            raise errors.Conflict("already_revoked", f"API key {api_key_id} is revoked; create a new one")
        _revoke_live_key(conn, tenant_id, api_key_id)
        spec = NamedKey(old["name"], old["role"], old["description"], old["expires_at"])
        new = _insert_named_key(conn, tenant_id, spec, created_by, pepper, secret)
        stored = {**new, "rotated_from": {"api_key_id": str(api_key_id), "key_prefix": f"hw_{old['prefix']}"}}
        record_idempotent_response(conn, tenant_id, idempotency, stored)
    return {**stored, "api_key": f"{stored['key_prefix']}_{secret}"}


def _revoke_live_key(conn: db.Connection, tenant_id: str, api_key_id: uuid.UUID) -> bool:
    """Revokes a live key; False when the tenant has no live key with that id."""
    return bool(db.execute(conn, "revoke_api_key_by_id", {"tenant_id": tenant_id, "api_key_id": api_key_id}))


def list_tenant_ids(conn: db.Connection) -> list[str]:
    """Every tenant's id, oldest first."""
    return [row["tenant_id"] for row in db.execute(conn, "list_tenants", {})]


def _insert_named_key(
    conn: db.Connection, tenant_id: str, spec: NamedKey, created_by: str, pepper: str, secret: str
) -> dict[str, Any]:
    params = {
        "tenant_id": tenant_id,
        "prefix": secrets.token_hex(6),
        "key_hash": key_hash(pepper, secret),
        "role": spec.role,
        "name": spec.name,
        "description": spec.description,
        "expires_at": spec.expires_at,
        "created_by": created_by,
    }
    rows = db.execute(conn, "insert_named_api_key", params)
    if not rows:  # the prefix is 48 random bits: what conflicts is the name
        raise errors.Conflict("name_taken", f"a live API key of this tenant is already named {spec.name!r}")
    return get_named_api_key(conn, tenant_id, rows[0]["key_id"])


def _insert_key(conn: db.Connection, tenant_id: str, role: str, pepper: str, secret: str) -> db.Row:
    params = {
        "tenant_id": tenant_id,
        "prefix": secrets.token_hex(6),
        "key_hash": key_hash(pepper, secret),
        "role": role,
    }
    return db.execute(conn, "insert_api_key", params)[0]


def key_hash(pepper: str, secret: str) -> str:
    """What a key's row stores for its secret: HMAC-SHA256 under the pepper, marked as such."""
    return _HMAC_PREFIX + hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def once(
    conn: db.Connection,
    tenant_id: str,
    idempotency: Idempotency | None,
    change: Callable[[db.Connection], dict[str, Any]],
) -> dict[str, Any]:
    """Runs `change` once per idempotency key: the first request's response is stored with the key, in the
    change's transaction, and a replay of the same request answers it without running `change` again.

    Without a key, `change` just runs (in a transaction). A change that raises stores nothing, so a replay
    tries again.

    Raises:
        IdempotencyConflict: the key was used before with a different request.
    """
    db.require_transaction(conn)
    stored = claim_idempotency_key(conn, tenant_id, idempotency)
    if stored is not None:
        return stored
    response = change(conn)
    record_idempotent_response(conn, tenant_id, idempotency, response)
    return response


def claim_idempotency_key(
    conn: db.Connection, tenant_id: str, idempotency: Idempotency | None
) -> dict[str, Any] | None:
    """Claims the idempotency key in the caller's transaction; returns the stored response of a replay.

    Raises:
        IdempotencyConflict: the key was used before with a different request.
    """
    if idempotency is None:
        return None
    params = {"tenant_id": tenant_id, "operation": idempotency.operation, "key_digest": idempotency.digest}
    if db.execute(conn, "claim_idempotency_key", {**params, "request_hash": idempotency.request_hash}):
        return None
    row = db.execute(conn, "find_idempotent_response", params)[0]
    if row["request_hash"] != idempotency.request_hash:
        raise errors.IdempotencyConflict("this X-Idempotency-Key was already used with a different request")
    response: dict[str, Any] = row["response"]
    return response


def record_idempotent_response(
    conn: db.Connection, tenant_id: str, idempotency: Idempotency | None, response: dict[str, Any]
) -> None:
    """Stores the response of a first request under its idempotency key, in the caller's transaction."""
    if idempotency is None:
        return
    params = {"tenant_id": tenant_id, "operation": idempotency.operation, "key_digest": idempotency.digest}
    db.execute(conn, "record_idempotent_response", {**params, "response": Jsonb(response)})


def _derived_secret(pepper: str, tenant_id: str, idempotency: Idempotency | None) -> str | None:
    """The secret of a key created under an idempotency key: the same request always derives the same."""
    digest = derive_secret_bytes(pepper, tenant_id, idempotency)
    return None if digest is None else base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def derive_secret_bytes(pepper: str, tenant_id: str, idempotency: Idempotency | None) -> bytes | None:
    """32 secret bytes for a secret made under an idempotency key (None without one).

    A replay of the same request derives the same bytes, so it can answer the same secret without storing it.
    """
    if idempotency is None:
        return None
    message = "\0".join((tenant_id, idempotency.operation, idempotency.key, idempotency.request_hash))
    return hmac.new(pepper.encode(), message.encode(), hashlib.sha256).digest()


def _with_admin_key(response: dict[str, Any], secret: str | None) -> dict[str, Any]:
    """Adds the full key (`hw_<prefix>_<secret>`) to a new tenant's `admin_key`."""
    admin_key = response["admin_key"]
    return {**response, "admin_key": {**admin_key, "key": f"hw_{admin_key['prefix']}_{secret}"}}


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON: timestamps in ISO 8601, ids as strings."""
    return {name: _json_value(value) for name, value in row.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value
