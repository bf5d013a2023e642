"""Forgetting a tenant's idempotency keys, for tests and recovery.

A key is remembered in two places: management requests store their answer under the key's SHA-256
digest (`tenants.claim_idempotency_key`), and a run submission keeps the key on the run it created
(`runs.submit_run`, read back by `find_run_by_idempotency_key`). Forgetting a key clears both, so the
next request with it is a first one again; runs are never deleted. Schedules do not rely on this: each
fire time creates at most one run through `hwe.schedule_fire`. The caller owns the transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from hwe import db, tenants

logger = logging.getLogger(__name__)


def delete_idempotency_key(conn: db.Connection, tenant_id: str, key: str) -> int:
    """Forgets one of the tenant's idempotency keys; returns how many records held it (0: none)."""
    digest = tenants.Idempotency(operation="", key=key, request_hash="").digest
    params = {"tenant_id": tenant_id, "key_digest": digest, "idempotency_key": key}
    row = db.execute(conn, "delete_idempotency_key", params)[0]
    deleted = int(row["requests"]) + int(row["submissions"])
    logger.info("idempotency key of tenant %s forgotten: %s record(s)", tenant_id, deleted)
    return deleted


def reset_idempotency_keys(
    conn: db.Connection, tenant_id: str, idempotency: tenants.Idempotency | None
) -> dict[str, Any]:
    """Forgets every idempotency key of the tenant but the reset's own; answers `records_deleted`.

    A repeat of the reset under its own idempotency key answers the first answer and forgets nothing more.

    Raises:
        IdempotencyConflict: the reset's key was used before with a different request.
    """
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
        if stored is not None:
            return stored
        params = {
            "tenant_id": tenant_id,
            "own_operation": None if idempotency is None else idempotency.operation,
            "own_digest": None if idempotency is None else idempotency.digest,
        }
        row = db.execute(conn, "reset_idempotency_keys", params)[0]
        answer = {"records_deleted": int(row["requests"]) + int(row["submissions"])}
        tenants.record_idempotent_response(conn, tenant_id, idempotency, answer)
    logger.warning("every idempotency key of tenant %s forgotten: %s record(s)", tenant_id, answer["records_deleted"])
    return answer
