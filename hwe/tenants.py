"""Tenants and their API keys.

A key reads `hw_<prefix>_<secret>`. Only the prefix (to find the row) and an argon2id hash of the
peppered secret are stored; the full key is shown once, when created. Called by the CLI
(bootstrap) and by the API's authentication. Does not decide what a role may do.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import argon2

from hwe import db, errors

ROLES = ("admin", "operator", "viewer")
# API keys carry 190 bits of randomness, so a light argon2 setting is plenty and keeps every
# authenticated request cheap.
_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant, the key's role, and the tenant's queue."""

    tenant_id: str
    role: str
    queue_name: str


def create_tenant(conn: db.Connection, tenant_id: str, queue_name: str = "default") -> None:
    """Creates a tenant bound to a queue (and the queue's tables); an existing tenant is kept.

    Raises:
        ValueError: the queue name is invalid.
    """
    db.validate_queue_name(queue_name)
    with conn.transaction():
        db.execute(conn, "ensure_queue", {"queue_name": queue_name})
        db.execute(conn, "create_tenant", {"tenant_id": tenant_id, "queue_name": queue_name})


def create_api_key(conn: db.Connection, tenant_id: str, role: str, pepper: str) -> str:
    """Creates an API key for a tenant and returns it; only its hash is stored.

    Raises:
        ValueError: unknown role.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    key_hash = _HASHER.hash(pepper + secret)
    with conn.transaction():
        db.execute(
            conn, "insert_api_key", {"tenant_id": tenant_id, "prefix": prefix, "key_hash": key_hash, "role": role}
        )
    return f"hw_{prefix}_{secret}"


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
    try:
        _HASHER.verify(row["key_hash"], pepper + parts[2])
    except argon2.exceptions.VerificationError as err:
        raise errors.Unauthorized("unknown or revoked API key") from err
    return Principal(tenant_id=row["tenant_id"], role=row["role"], queue_name=row["queue_name"])
