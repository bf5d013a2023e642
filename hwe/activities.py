"""Activities: the child runs an `activity` task starts, as readers see them, and their heartbeats.

An activity is a run of its own (see `interpreter._fork`): named `activity_<task id>`, its one task runs the
activity's function. The orchestrator renews its lease every third of the lease and, for an activity, records
that renewal here as a heartbeat (`record_heartbeat`, in the renewal's transaction). The read functions serve
the API, scoped by tenant and bounded by a limit; `cleanup_heartbeats` deletes old records of finished ones.
"""

from __future__ import annotations

import uuid
from typing import Any

from hwe import db, errors, queue, tenants

# `count_activities` reads at most this many of a tenant's newest activities (the answer says how many it read).
STATUS_ROWS = 100_000
# One cleanup call deletes at most this many records; call it again while it reports `more`.
CLEANUP_ROWS = 10_000


def record_heartbeat(conn: db.Connection, claim: queue.ClaimedTask, lease_seconds: float) -> None:
    """Records a heartbeat of the held run when it is an activity (nothing for any other run)."""
    params = {"workflow_run_id": claim.workflow_run_id, "run_id": claim.run_id, "lease_seconds": lease_seconds}
    db.execute(conn, "record_activity_heartbeat", params, queue=claim.queue)


def list_activities(conn: db.Connection, tenant_id: str, filters: dict[str, Any]) -> list[db.Row]:
    """The tenant's activities newest first, after the keyset (`after_created_at`, `after_id`), at most `limit`.

    Args:
        conn: the connection.
        tenant_id: whose activities.
        filters: state, parent_run_id, worker_id, function_name (each None for any), after_created_at and
            after_id (None for the first page), limit.
    """
    return db.execute(conn, "list_activities", {"tenant_id": tenant_id, **filters})


def get_activity(conn: db.Connection, tenant_id: str, activity_id: uuid.UUID) -> db.Row:
    """One activity of the tenant, with its result and last heartbeat.

    Raises:
        NotFound: no such activity of this tenant.
    """
    rows = db.execute(conn, "get_activity", {"tenant_id": tenant_id, "activity_id": activity_id})
    if not rows:
        raise errors.NotFound(f"activity {activity_id} not found")
    return rows[0]


def list_activity_heartbeats(conn: db.Connection, tenant_id: str, activity_id: uuid.UUID, limit: int) -> list[db.Row]:
    """An activity's heartbeats, newest first, at most `limit`."""
    params = {"tenant_id": tenant_id, "activity_id": activity_id, "limit": limit}
    return db.execute(conn, "list_activity_heartbeats", params)


def list_stale_activities(conn: db.Connection, tenant_id: str, threshold: float | None, limit: int) -> list[db.Row]:
    """Running activities whose last heartbeat is older than `threshold` seconds (None: their own timeout)."""
    params = {"tenant_id": tenant_id, "threshold": threshold, "limit": limit}
    return db.execute(conn, "list_stale_activities", params)


def count_activities(conn: db.Connection, tenant_id: str, threshold: float) -> db.Row:
    """The tenant's activities by state, and the stale running ones, over its `STATUS_ROWS` newest."""
    params = {"tenant_id": tenant_id, "threshold": threshold, "cap": STATUS_ROWS}
    return db.execute(conn, "count_activities", params)[0]


def list_run_activities(
    conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID, include_completed: bool, limit: int
) -> list[db.Row]:
    """The activities a run started, in creation order, at most `limit`."""
    params = {
        "tenant_id": tenant_id,
        "workflow_run_id": workflow_run_id,
        "include_completed": include_completed,
        "limit": limit,
    }
    return db.execute(conn, "list_run_activities", params)


def cleanup_heartbeats(
    conn: db.Connection, tenant_id: str, retention_hours: float, idem: tenants.Idempotency | None
) -> dict[str, Any]:
    """Deletes up to `CLEANUP_ROWS` heartbeat records older than `retention_hours` of finished activities.

    One transaction with the idempotency record: a replay of the key answers what the first call answered.

    Raises:
        IdempotencyConflict: the key was used with another request.
    """
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idem)
        if stored is not None:
            return stored
        params = {"tenant_id": tenant_id, "retention_hours": retention_hours, "limit": CLEANUP_ROWS}
        deleted = int(db.execute(conn, "cleanup_activity_heartbeats", params)[0]["deleted"])
        answer = {"deleted": deleted, "retention_hours": retention_hours, "more": deleted == CLEANUP_ROWS}
        tenants.record_idempotent_response(conn, tenant_id, idem, answer)
    return answer
