"""Events: emitted by a run, delivered to waiters of the same name in the same tenant.

Every event is owned by a workflow run (NOT NULL in the schema, checked by the SQL guard and here
before any SQL). The events of a name are a stream: every emit is kept with an ordered sequence
number, and a waiting task takes the oldest one it has not taken yet, so two posts of one name reach
two waits in order and an event emitted before anyone waits is kept for a later waiter. A waiter
never sees another tenant's events. Called by DurableContext (emit), the orchestrator's SLEEP path
(await), `runs.post_event` and `approvals` (the API's posts). Never commits.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from hwe import db, errors

MAX_PAYLOAD_BYTES = 65_536
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Emitted:
    """An event that was stored: its place in the stream, and how many waiting runs it woke at once."""

    sequence: int
    woken: int


@dataclass(frozen=True)
class Found:
    """The oldest event of a name that a waiting task has not taken yet."""

    sequence: int
    payload: dict[str, Any]


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
) -> Emitted:
    """Stores an event (every emit is kept, even a repeat) and hands it to the waiters that take it.

    Each waiting task of the tenant takes it with its oldest wait of that name.

    Raises:
        ValueError, InvalidEvent: see `validate`.
    """
    validate(workflow_run_id, event_name, payload)
    names = {"tenant_id": tenant_id, "event_name": event_name}
    lock_event_name(conn, tenant_id, event_name)
    stored = db.execute(
        conn, "insert_event", {**names, "workflow_run_id": workflow_run_id, "payload": Jsonb(payload)}, queue=queue
    )[0]
    params = {**names, "payload": Jsonb(payload), "event_seq": stored["event_seq"], "channel": db.queue_channel(queue)}
    rows = db.execute(conn, "deliver_event", params, queue=queue)
    return Emitted(sequence=int(stored["event_seq"]), woken=int(rows[0]["woken"]) if rows else 0)


def lock_event_name(conn: db.Connection, tenant_id: str, event_name: str) -> None:
    """Serializes emitters and waiters of one name in one tenant until the transaction ends."""
    db.execute(conn, "lock_event_name", {"tenant_id": tenant_id, "event_name": event_name})


def find_event(conn: db.Connection, queue: str, tenant_id: str, event_name: str, task_id: uuid.UUID) -> Found | None:
    """Returns the oldest event of that name in the tenant that the task has not taken yet, or None.

    Call it under `lock_event_name`, and checkpoint its `wait_outcome` in the same transaction.
    """
    params = {"tenant_id": tenant_id, "event_name": event_name, "task_id": task_id}
    rows = db.execute(conn, "find_event", params, queue=queue)
    return Found(sequence=int(rows[0]["event_seq"]), payload=rows[0]["payload"]) if rows else None


def wait_outcome(event_name: str, found: Found | None) -> dict[str, Any]:
    """A wait's checkpointed outcome: the event it took (with its sequence, so the next wait takes the next
    one), or the timeout. `deliver_event.sql` writes the same shape."""
    if found is None:
        return {"timed_out": True, "payload": None}
    return {"timed_out": False, "payload": found.payload, "event_name": event_name, "event_seq": found.sequence}


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
