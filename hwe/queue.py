"""The queue client: spawn, claim, heartbeat, checkpoint, complete, fail, release, expire.

Plain functions over one connection. None of them commits: the caller owns the transaction, so
an orchestrator outcome can combine several calls into one commit. Every write a worker makes
is fenced by run id + fencing token and raises FencingLost when another claim owns the run.
The statements are in `hwe/sql/queries/`, named after the function that runs them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from hwe import db, errors

RETRY_NONE: dict[str, Any] = {"kind": "none"}
MAX_RETRY_DELAY_SECONDS = 86_400.0
WAKE_NOTICE = "wake"  # the payload word of a notification that a run becomes due later (see `wake_delay`)


@dataclass(frozen=True)
class ClaimedTask:
    """A run this worker holds: the lease is valid while `fencing_token` is current."""

    queue: str
    run_id: uuid.UUID
    task_id: uuid.UUID
    attempt: int
    fencing_token: int
    max_attempts: int
    workflow_run_id: uuid.UUID
    task_name: str
    params: dict[str, Any]
    wake_event: str | None
    event_payload: Any
    claimed_at: datetime
    available_at: datetime  # when the run became due: created, retried or woken
    first_start: bool  # the task had never been claimed before: its workflow run starts now
    # What executing the run needs, read by the claim itself: its workflow run's tenant, parent run, pinned
    # definition (JSON text) and inputs (None for a task without a workflow run), and its committed checkpoints.
    tenant_id: str | None = None
    parent_run_id: uuid.UUID | None = None
    definition: str | None = None
    inputs: dict[str, Any] | None = None
    checkpoints: tuple[Checkpoint, ...] = ()


@dataclass(frozen=True)
class Checkpoint:
    """One committed step result."""

    step_name: str
    position: int
    status: str
    state: Any


@dataclass(frozen=True)
class ClaimRound:
    """What one claim found: the runs it claimed, and the seconds until the queue's next run falls due."""

    claims: list[ClaimedTask]
    next_wake_seconds: float | None  # None: no future wake time is scheduled


def spawn_task(
    conn: db.Connection,
    queue: str,
    *,
    task_id: uuid.UUID,
    workflow_run_id: uuid.UUID,
    task_name: str,
    params: dict[str, Any],
    idempotency_key: str,
    retry_strategy: dict[str, Any] = RETRY_NONE,
    max_attempts: int = 1,
) -> uuid.UUID | None:
    """Spawns a task and its first run; returns the run id, or None when the key was already used."""
    rows = db.execute(
        conn,
        "spawn_task",
        {
            "task_id": task_id,
            "run_id": uuid.uuid4(),
            "workflow_run_id": workflow_run_id,
            "task_name": task_name,
            "params": Jsonb(params),
            "retry_strategy": Jsonb(retry_strategy),
            "max_attempts": max_attempts,
            "idempotency_key": idempotency_key,
            "channel": db.queue_channel(queue),
        },
        queue=queue,
    )
    return rows[0]["run_id"] if rows else None


def claim_tasks(conn: db.Connection, queue: str, *, worker_id: str, limit: int, lease_seconds: float) -> ClaimRound:
    """Claims up to `limit` due runs, each with a fresh lease and fencing token and what executing it needs.

    One statement: on an autocommit connection it is its own transaction, committed before any work starts.
    """
    rows = db.execute(
        conn,
        "claim_tasks",
        {
            "worker_id": worker_id,
            "limit": limit,
            "lease_seconds": lease_seconds,
        },
        queue=queue,
    )
    claims, next_wake = [], None
    for row in rows:
        if row["run_id"] is None:  # the statement's last row: the next wake time
            next_wake = row["next_wake_seconds"]
            continue
        del row["next_wake_seconds"]
        checkpoints = tuple(Checkpoint(**checkpoint) for checkpoint in row.pop("checkpoints"))
        claims.append(ClaimedTask(queue=queue, checkpoints=checkpoints, **row))
    return ClaimRound(claims, next_wake)


def heartbeat_run(conn: db.Connection, claim: ClaimedTask, lease_seconds: float) -> None:
    """Extends the lease of a held run.

    Raises:
        FencingLost: the run is no longer this worker's.
    """
    rows = db.execute(
        conn,
        "heartbeat_run",
        {
            "run_id": claim.run_id,
            "fencing_token": claim.fencing_token,
            "lease_seconds": lease_seconds,
        },
        queue=claim.queue,
    )
    if not rows:
        raise errors.FencingLost(f"run {claim.run_id} lost its lease")


def load_checkpoints(conn: db.Connection, claim: ClaimedTask) -> list[Checkpoint]:
    """Loads every committed step of the claimed task, in step order."""
    rows = db.execute(conn, "load_checkpoints", {"task_id": claim.task_id}, queue=claim.queue)
    return [Checkpoint(**row) for row in rows]


def checkpoint_step(
    conn: db.Connection,
    claim: ClaimedTask,
    *,
    step_name: str,
    position: int,
    state: Any,
    context_patch: dict[str, Any],
    lease_seconds: float,
    status: str = "ok",
    current_step: str | None = None,
    progress_completed: int | None = None,
) -> bool:
    """Commits a step's outcome (`status` ok or error) with the run's projection; False when it already existed.

    Raises:
        FencingLost: the run is no longer this worker's; nothing was written.
    """
    rows = db.execute(
        conn,
        "checkpoint_step",
        {
            "run_id": claim.run_id,
            "fencing_token": claim.fencing_token,
            "lease_seconds": lease_seconds,
            "step_name": step_name,
            "position": position,
            "state": Jsonb(state),
            "status": status,
            "workflow_run_id": claim.workflow_run_id,
            "context_patch": Jsonb(context_patch),
            "progress_completed": progress_completed,
            "current_step": current_step,
        },
        queue=claim.queue,
    )
    if rows[0]["fenced"] == 0:
        raise errors.FencingLost(f"run {claim.run_id} lost its lease before step {step_name!r}")
    return bool(rows[0]["written"])


def complete_run(conn: db.Connection, claim: ClaimedTask, result: Any) -> None:
    """Marks the held run and its task completed.

    Raises:
        FencingLost: the run is no longer this worker's; nothing was written.
    """
    rows = db.execute(
        conn,
        "complete_run",
        {
            "run_id": claim.run_id,
            "fencing_token": claim.fencing_token,
            "result": Jsonb(result),
        },
        queue=claim.queue,
    )
    if not rows:
        raise errors.FencingLost(f"run {claim.run_id} lost its lease before completing")


def fail_run(conn: db.Connection, claim: ClaimedTask, reason: dict[str, Any], retry_delay: float | None) -> str:
    """Fails the held run; schedules the next attempt `retry_delay` seconds later while attempts remain.

    Returns:
        The task's new state: 'pending' (a retry is scheduled) or 'failed'.

    Raises:
        FencingLost: the run is no longer this worker's; nothing was written.
    """
    rows = db.execute(
        conn,
        "fail_run",
        {
            "run_id": claim.run_id,
            "fencing_token": claim.fencing_token,
            "reason": Jsonb(reason),
            "retry_delay": retry_delay,
            "next_run_id": uuid.uuid4(),
            "channel": db.queue_channel(claim.queue),
        },
        queue=claim.queue,
    )
    if not rows:
        raise errors.FencingLost(f"run {claim.run_id} lost its lease before failing")
    return str(rows[0]["task_state"])


def sleep_run(
    conn: db.Connection,
    claim: ClaimedTask,
    *,
    wake_at: datetime | None,
    wake_event: str | None,
    run_state: str,
    current_step: str | None = None,
) -> None:
    """Releases the held run until `wake_at` (None: until an event wakes it); its workflow run shows `run_state`
    and, when given, `current_step` (the task it waits in).

    Raises:
        FencingLost: the run is no longer this worker's; nothing was written.
    """
    rows = db.execute(
        conn,
        "sleep_run",
        {
            "run_id": claim.run_id,
            "fencing_token": claim.fencing_token,
            "wake_at": wake_at,
            "wake_event": wake_event,
            "run_state": run_state,
            "current_step": current_step,
            "channel": db.queue_channel(claim.queue),
        },
        queue=claim.queue,
    )
    if not rows:
        raise errors.FencingLost(f"run {claim.run_id} lost its lease before sleeping")


def wake_delay(payload: str) -> float | None:
    """The seconds a queue notification's `wake <seconds>` payload says a run becomes due in; None: due now.

    `sleep_run` and `fail_run` send it for a timer or a retry; every other notification (an empty
    payload) means work is due at once.
    """
    prefix, _, seconds = payload.partition(" ")
    if prefix != WAKE_NOTICE:
        return None
    try:
        return max(float(seconds), 0.0)
    except ValueError:
        return None


def cancel_task(conn: db.Connection, queue: str, task_id: uuid.UUID) -> bool:
    """Cancels a task and its open runs (runs first, then the task); False when the task had finished."""
    db.execute(conn, "cancel_task_runs", {"task_id": task_id}, queue=queue)
    return bool(db.execute(conn, "cancel_task", {"task_id": task_id}, queue=queue))


def release_run(conn: db.Connection, claim: ClaimedTask) -> bool:
    """Hands a held run back to the queue at once; returns False when it was no longer held."""
    rows = db.execute(
        conn,
        "release_run",
        {
            "run_id": claim.run_id,
            "fencing_token": claim.fencing_token,
            "channel": db.queue_channel(claim.queue),
        },
        queue=claim.queue,
    )
    return bool(rows)


def expire_leases(conn: db.Connection, queue: str, limit: int) -> list[db.Row]:
    """Expires up to `limit` runs whose lease ran out; returns one row per expired run."""
    return db.execute(conn, "expire_leases", {"limit": limit, "channel": db.queue_channel(queue)}, queue=queue)


def retry_delay_seconds(strategy: dict[str, Any], attempt: int) -> float:
    """The wait before attempt `attempt + 1` under a retry strategy (none, fixed, exponential)."""
    kind = strategy.get("kind", "none")
    base = float(strategy.get("base_seconds", 0.0))
    if kind == "fixed":
        delay = base
    elif kind == "exponential":
        delay = base * float(strategy.get("factor", 2.0)) ** max(attempt - 1, 0)
        delay = min(delay, float(strategy.get("max_seconds", MAX_RETRY_DELAY_SECONDS)))
    else:
        delay = 0.0
    return min(delay, MAX_RETRY_DELAY_SECONDS)


def current_time(conn: db.Connection) -> datetime:
    """The engine clock's "now" (fakeable per session with `hwe.fake_now`)."""
    now: datetime = db.execute(conn, "current_time")[0]["now"]
    return now


def copy_checkpoints(
    conn: db.Connection, queue: str, *, from_task_id: uuid.UUID, to_task_id: uuid.UUID, owner_run_id: uuid.UUID
) -> None:
    """Copies a task's successful checkpoints to another task of the same queue."""
    db.execute(
        conn,
        "copy_checkpoints",
        {"from_task_id": from_task_id, "to_task_id": to_task_id, "owner_run_id": owner_run_id},
        queue=queue,
    )


def cleanup_tasks(conn: db.Connection, queue: str, *, ttl_seconds: float, limit: int) -> int:
    """Deletes up to `limit` tasks finished more than `ttl_seconds` ago, with their runs; returns how many."""
    return len(db.execute(conn, "cleanup_tasks", {"ttl_seconds": ttl_seconds, "limit": limit}, queue=queue))


def cleanup_events(conn: db.Connection, queue: str, *, ttl_seconds: float, limit: int) -> int:
    """Deletes up to `limit` events emitted more than `ttl_seconds` ago; returns how many."""
    return len(db.execute(conn, "cleanup_events", {"ttl_seconds": ttl_seconds, "limit": limit}, queue=queue))
