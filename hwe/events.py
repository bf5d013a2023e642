"""Events: emitted by a run, delivered to waiters of the same name in the same tenant.

Every event is owned by a workflow run (NOT NULL in the schema, checked by the SQL guard and here
before any SQL). An event emitted before anyone waits is kept, so a later waiter receives it; a
waiter never sees another tenant's events. Called by DurableContext (emit) and the orchestrator's
SLEEP path (await); the API will post events to a run through `emit_event` too. Never commits.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from psycopg.types.json import Jsonb

from hwe import db, errors

MAX_PAYLOAD_BYTES = 65_536
MAX_NAME_CHARS = 200


def validate(workflow_run_id: uuid.UUID | None, event_name: Any, payload: Any) -> None:
    """Checks an event before any SQL.

    Raises:
        ValueError: the owner run id is None (events are never global).
        InvalidEvent: the name or the payload is unacceptable; the message says which rule.
    """
    if workflow_run_id is None:
        raise ValueError("events are scoped by workflow_run_id, which must not be None")
    if not isinstance(event_name, str) or not 0 < len(event_name) <= MAX_NAME_CHARS or "\x00" in event_name:
        raise errors.InvalidEvent(f"an event name is a string of 1 to {MAX_NAME_CHARS} characters without NUL")
    if not isinstance(payload, dict):
        raise errors.InvalidEvent("an event payload must be a JSON object")
    try:
        encoded = json.dumps(payload)
    except (TypeError, ValueError) as err:
        raise errors.InvalidEvent("an event payload must be JSON") from err
    if len(encoded.encode()) > MAX_PAYLOAD_BYTES:
        raise errors.InvalidEvent(f"an event payload must be at most {MAX_PAYLOAD_BYTES} bytes as JSON")
    if "\\u0000" in encoded:
        raise errors.InvalidEvent("an event payload must not contain NUL characters")


def emit_event(
    conn: db.Connection,
    queue: str,
    *,
    tenant_id: str,
    workflow_run_id: uuid.UUID,
    event_name: str,
    payload: dict[str, Any],
) -> int:
    """Stores an event and wakes its waiters; returns how many waiting runs were woken.

    Raises:
        ValueError, InvalidEvent: see `validate`.
    """
    validate(workflow_run_id, event_name, payload)
    names = {"tenant_id": tenant_id, "event_name": event_name}
    lock_event_name(conn, tenant_id, event_name)
    db.execute(
        conn, "insert_event", {**names, "workflow_run_id": workflow_run_id, "payload": Jsonb(payload)}, queue=queue
    )
    rows = db.execute(
        conn, "deliver_event", {**names, "payload": Jsonb(payload), "channel": db.queue_channel(queue)}, queue=queue
    )
    return int(rows[0]["woken"]) if rows else 0


def lock_event_name(conn: db.Connection, tenant_id: str, event_name: str) -> None:
    """Serializes emitters and waiters of one name in one tenant until the transaction ends."""
    db.execute(conn, "lock_event_name", {"tenant_id": tenant_id, "event_name": event_name})


def find_event(conn: db.Connection, queue: str, tenant_id: str, event_name: str) -> dict[str, Any] | None:
    """Returns the payload of the earliest event of that name in the tenant, or None."""
    rows = db.execute(conn, "find_event", {"tenant_id": tenant_id, "event_name": event_name}, queue=queue)
    return rows[0]["payload"] if rows else None


def find_wait(conn: db.Connection, queue: str, task_id: uuid.UUID, step_name: str) -> db.Row | None:
    """Returns a step's registered wait (`timeout_at`, `expired`), or None."""
    rows = db.execute(conn, "find_wait", {"task_id": task_id, "step_name": step_name}, queue=queue)
    return rows[0] if rows else None


def register_wait(
    conn: db.Connection,
    queue: str,
    *,
    task_id: uuid.UUID,
    run_id: uuid.UUID,
    workflow_run_id: uuid.UUID,
    tenant_id: str,
    step_name: str,
    position: int,
    event_name: str,
    timeout_seconds: float | None,
) -> Any:
    """Registers (or keeps) a step's wait; returns its timeout time, None for no timeout."""
    if workflow_run_id is None:
        raise ValueError("events are scoped by workflow_run_id, which must not be None")
    rows = db.execute(
        conn,
        "register_wait",
        {
            "task_id": task_id,
            "run_id": run_id,
            "workflow_run_id": workflow_run_id,
            "tenant_id": tenant_id,
            "step_name": step_name,
            "position": position,
            "event_name": event_name,
            "timeout_seconds": timeout_seconds,
        },
        queue=queue,
    )
    return rows[0]["timeout_at"]


def delete_wait(conn: db.Connection, queue: str, task_id: uuid.UUID, step_name: str) -> None:
    """Drops a step's wait."""
    db.execute(conn, "delete_wait", {"task_id": task_id, "step_name": step_name}, queue=queue)
