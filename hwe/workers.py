"""The registry of worker processes, and the commands an operator leaves for them (pause, resume, drain, capacity).

A worker process (services/worker) upserts its row once per poll interval with what it is doing, and reads back
in the same statement the commands stored in that row, which it obeys by its next claim round: paused, it claims
nothing and keeps running what it holds; draining, it stops claiming for good, gives its runs the drain time to
finish (handing back the rest) and exits, as on SIGTERM; a new concurrency applies to its next claim. A worker whose
heartbeats stopped (three intervals, at least 5 s) or that reported its exit shows as `offline`
(hwe.worker_status, hwe/migrations/highway_0.2.30_workers.sql). Workers serve one queue; the API shows a tenant
the workers of its queue only. Functions take the caller's connection and never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from hwe import db, errors, tenants

STATUSES = ("online", "paused", "draining", "offline")
REPORTED_STATES = ("online", "paused", "draining", "stopped")
MAX_CONCURRENCY = 1000
MAX_REASON_CHARS = 500
MAX_CLEANUP_THRESHOLD_SECONDS = 30 * 86400
# Removed per cleanup call at most, so one call stays one short statement; the answer says how many went.
CLEANUP_LIMIT = 1000


@dataclass(frozen=True)
class Heartbeat:
    """What a worker reports about itself at each heartbeat."""

    worker_id: uuid.UUID
    queue_name: str
    hostname: str
    pid: int
    version: str
    concurrency: int
    in_flight: int
    state: str
    heartbeat_seconds: float


@dataclass(frozen=True)
class Commands:
    """What the API asked of a worker: `requested_state` online, paused or draining, and maybe a concurrency."""

    requested_state: str
    requested_concurrency: int | None


def record_heartbeat(conn: db.Connection, beat: Heartbeat) -> Commands:
    """Registers the worker or records its heartbeat, in one statement; returns its commands.

    A worker deleted from the registry while it runs is inserted again, with no command.
    """
    row = db.execute(conn, "record_worker_heartbeat", asdict(beat))[0]
    return Commands(row["requested_state"], row["requested_concurrency"])


def list_workers(
    conn: db.Connection, queue_name: str, *, status: str | None, hostname: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """One page of the queue's workers, oldest start first: `items`, `limit`, `offset`, `next_offset` (or None)."""
    params = {"queue_name": queue_name, "status": status, "hostname": hostname, "limit": limit + 1, "offset": offset}
    rows = db.execute(conn, "list_workers", params)
    items = [_public(row) for row in rows[:limit]]
    return {
        "items": items,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if len(rows) > limit else None,
    }


def summarize_workers(conn: db.Connection, queue_name: str) -> dict[str, Any]:
    """The queue's workers counted by status, with the capacity, runs in flight and free slots of those not offline."""
    row = db.execute(conn, "summarize_workers", {"queue_name": queue_name})[0]
    capacity, in_flight = row["capacity"], row["in_flight"]
    return {
        "queue_name": queue_name,
        "total": row["total"],
        "by_status": {status: row[status] for status in STATUSES},
        "capacity": capacity,
        "in_flight": in_flight,
        "free_slots": max(capacity - in_flight, 0),
        "utilization": round(in_flight / capacity, 4) if capacity else 0.0,
    }


def get_worker(conn: db.Connection, queue_name: str, worker_id: uuid.UUID) -> dict[str, Any]:
    """One of the queue's workers.

    Raises:
        NotFound: the queue has no worker with that id.
    """
    rows = db.execute(conn, "get_worker", {"queue_name": queue_name, "worker_id": worker_id})
    if not rows:
        raise errors.NotFound(f"no worker {worker_id}")
    return _public(rows[0])


def command_worker(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    worker_id: uuid.UUID,
    command: str,
    reason: str | None,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Asks a worker to `pause`, `resume` or `drain`; returns the worker with its command.

    Raises:
        NotFound: the queue has no worker with that id.
        Conflict: the worker is offline (`worker_offline`), or draining, which cannot be undone (`worker_draining`).
    """

    def change(conn: db.Connection) -> dict[str, Any]:
        worker = _commandable(conn, queue_name, worker_id, allow_draining=command == "drain")
        requested = {"pause": "paused", "resume": "online", "drain": "draining"}[command]
        _store(conn, queue_name, worker, requested, worker["requested_max_concurrent_tasks"], reason)
        return get_worker(conn, queue_name, worker_id)

    return tenants.once(conn, tenant_id, idempotency, change)


def set_capacity(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    worker_id: uuid.UUID,
    concurrency: int,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Asks a worker to run at most `concurrency` runs at once from its next claim on; returns the worker.

    Runs above the new limit are not stopped: the worker claims again once it is under it.

    Raises:
        NotFound: the queue has no worker with that id.
        Conflict: the worker is offline or draining.
    """

    def change(conn: db.Connection) -> dict[str, Any]:
        worker = _commandable(conn, queue_name, worker_id, allow_draining=False)
        _store(conn, queue_name, worker, worker["requested_status"], concurrency, worker["pause_reason"])
        return get_worker(conn, queue_name, worker_id)

    return tenants.once(conn, tenant_id, idempotency, change)


def delete_worker(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    worker_id: uuid.UUID,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Removes a worker from the registry; a live one registers again at its next heartbeat, with no command.

    Raises:
        NotFound: the queue has no worker with that id.
    """

    def change(conn: db.Connection) -> dict[str, Any]:
        if not db.execute(conn, "delete_worker", {"queue_name": queue_name, "worker_id": worker_id}):
            raise errors.NotFound(f"no worker {worker_id}")
        return {"worker_id": str(worker_id), "deleted": True}

    return tenants.once(conn, tenant_id, idempotency, change)


def cleanup_workers(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    threshold_seconds: float | None,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Removes the queue's offline workers (with a threshold, only those silent for longer); at most CLEANUP_LIMIT.

    Returns `deleted` (how many) and `worker_ids`.
    """

    def change(conn: db.Connection) -> dict[str, Any]:
        removed = sorted(str(worker_id) for worker_id in remove_offline_workers(conn, queue_name, threshold_seconds))
        return {"deleted": len(removed), "worker_ids": removed}

    return tenants.once(conn, tenant_id, idempotency, change)


def remove_offline_workers(
    conn: db.Connection, queue_name: str, offline_for_seconds: float | None, limit: int = CLEANUP_LIMIT
) -> list[uuid.UUID]:
    """Deletes up to `limit` of the queue's offline workers (silent for longer than `offline_for_seconds`, when
    given) in the caller's transaction; returns their ids. The API's cleanup and the timeout service's both."""
    params = {"queue_name": queue_name, "threshold_seconds": offline_for_seconds, "limit": limit}
    return [row["worker_id"] for row in db.execute(conn, "cleanup_workers", params)]


def check_concurrency(value: Any) -> int:
    """A concurrency from a request body: an integer from 1 to MAX_CONCURRENCY.

    Raises:
        InvalidRequest: it is not.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise errors.InvalidRequest(
            "invalid_field", f"'max_concurrent_tasks' must be an integer from 1 to {MAX_CONCURRENCY}"
        )
    return value


def check_reason(value: Any) -> str | None:
    """A pause reason from a request body: absent, null, or a string of at most MAX_REASON_CHARS.

    Raises:
        InvalidRequest: it is something else.
    """
    if value is not None and (not isinstance(value, str) or len(value) > MAX_REASON_CHARS or "\x00" in value):
        raise errors.InvalidRequest(
            "invalid_field", f"'reason' must be a string of at most {MAX_REASON_CHARS} characters"
        )
    return value


def check_threshold(value: Any) -> float | None:
    """A cleanup threshold from a request body: absent, null, or seconds from 1 to MAX_CLEANUP_THRESHOLD_SECONDS.

    Raises:
        InvalidRequest: it is something else.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= MAX_CLEANUP_THRESHOLD_SECONDS:
        raise errors.InvalidRequest(
            "invalid_field", f"'threshold_seconds' must be a number from 1 to {MAX_CLEANUP_THRESHOLD_SECONDS}"
        )
    return float(value)


def _commandable(conn: db.Connection, queue_name: str, worker_id: uuid.UUID, *, allow_draining: bool) -> dict[str, Any]:
    worker = get_worker(conn, queue_name, worker_id)
    if worker["status"] == "offline":
        raise errors.Conflict("worker_offline", f"worker {worker_id} is offline: it would never see the command")
    draining = worker["status"] == "draining" or worker["requested_status"] == "draining"
    if draining and not allow_draining:
        raise errors.Conflict("worker_draining", f"worker {worker_id} is draining, which cannot be undone")
    return worker


def _store(
    conn: db.Connection,
    queue_name: str,
    worker: dict[str, Any],
    requested_state: str,
    requested_concurrency: int | None,
    reason: str | None,
) -> None:
    params = {
        "queue_name": queue_name,
        "worker_id": uuid.UUID(worker["worker_id"]),
        "requested_state": requested_state,
        "requested_concurrency": requested_concurrency,
        "pause_reason": reason if requested_state == "paused" else None,
    }
    db.execute(conn, "command_worker", params)


def _public(row: db.Row) -> dict[str, Any]:
    """A worker's row as the API shows it."""
    offline = row["status"] == "offline"
    return {
        "worker_id": str(row["worker_id"]),
        "name": f"{row['hostname']}:{row['pid']}",
        "queue_name": row["queue_name"],
        "machine_id": row["hostname"],
        "pid": row["pid"],
        "version": row["version"],
        "status": row["status"],
        "requested_status": row["requested_state"],
        "pause_reason": row["pause_reason"],
        "max_concurrent_tasks": row["concurrency"],
        "requested_max_concurrent_tasks": row["requested_concurrency"],
        "in_flight": row["in_flight"],
        "free_slots": 0 if offline else max(row["concurrency"] - row["in_flight"], 0),
        "heartbeat_seconds": row["heartbeat_seconds"],
        "seconds_since_heartbeat": round(max(row["seconds_since_heartbeat"], 0.0), 3),
        "started_at": row["started_at"].isoformat(),
        "last_heartbeat_at": row["last_heartbeat_at"].isoformat(),
        "commanded_at": None if row["commanded_at"] is None else row["commanded_at"].isoformat(),
    }
