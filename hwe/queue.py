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

from hwe import db, errors, task_logs

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


@dataclass(frozen=True)
class StepWrite:
    """One step's outcome (`status` ok or error) to checkpoint for a held run, with its run's projection."""

    claim: ClaimedTask
    step_name: str
    position: int
    state: Any
    context_patch: dict[str, Any]
    lease_seconds: float
    status: str = "ok"
    current_step: str | None = None
    progress_completed: int | None = None
    output: task_logs.AttemptOutput | None = None  # what the attempt wrote, stored with its checkpoint


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
    write = StepWrite(
        claim, step_name, position, state, context_patch, lease_seconds, status, current_step, progress_completed
    )
    written = checkpoint_steps(conn, [write])[0]
    if isinstance(written, errors.FencingLost):
        raise written
    return written


def checkpoint_steps(conn: db.Connection, writes: list[StepWrite]) -> list[bool | errors.FencingLost]:
    """Commits several steps' outcomes, each fenced on its own, in one statement per queue and round.

    Returns, for each write in order, whether it was written (False: the step already had a checkpoint) or the
    FencingLost of a write whose run is no longer this worker's: that one wrote nothing, the others did.
    A statement updates each run once, so a run's second step in the same call goes in the next round.
    """
    outcomes: list[bool | errors.FencingLost] = [False] * len(writes)
    pending = list(enumerate(writes))
    while pending:
        this_round: dict[tuple[str, uuid.UUID], tuple[int, StepWrite]] = {}
        later = []
        for index, write in pending:
            key = (write.claim.queue, write.claim.run_id)
            if key in this_round:
                later.append((index, write))
            else:
                this_round[key] = (index, write)
        for queue_name in {queue_name for queue_name, _ in this_round}:
            batch = [(index, write) for (name, _), (index, write) in this_round.items() if name == queue_name]
            rows = _checkpoint_round(conn, queue_name, [write for _, write in batch])
            for (index, write), row in zip(batch, rows, strict=True):
                if row["fenced"]:
                    outcomes[index] = bool(row["written"])
                else:
                    outcomes[index] = errors.FencingLost(
                        f"run {write.claim.run_id} lost its lease before step {write.step_name!r}"
                    )
        pending = later
    return outcomes


def _checkpoint_round(conn: db.Connection, queue_name: str, writes: list[StepWrite]) -> list[db.Row]:
    """One statement for a round: the steps' checkpoints, their runs' projection and their attempt output."""
    logs = task_logs.log_rows([w.output for w in writes])
    return db.execute(conn, "checkpoint_steps", {**_step_columns(writes), "logs": logs}, queue=queue_name)


def _step_columns(writes: list[StepWrite]) -> dict[str, Any]:
    """The statement's parameters: one array per column, the writes in order."""
    return {
        "run_ids": [w.claim.run_id for w in writes],
        "fencing_tokens": [w.claim.fencing_token for w in writes],
        "lease_seconds": [w.lease_seconds for w in writes],
        "step_names": [w.step_name for w in writes],
        "positions": [w.position for w in writes],
        "statuses": [w.status for w in writes],
        "states": [Jsonb(w.state) for w in writes],
        "workflow_run_ids": [w.claim.workflow_run_id for w in writes],
        "context_patches": [Jsonb(w.context_patch) for w in writes],
        "progress_completed": [w.progress_completed for w in writes],
        "current_steps": [w.current_step for w in writes],
    }


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


def complete_workflow_run(conn: db.Connection, claim: ClaimedTask, result: Any, detail: dict[str, Any]) -> db.Row:
    """SUCCESS of a held root task in one statement: run, task and workflow run completed, `detail` audited.

    Returns:
        What telling a parent run needs (children.notify_parent).

    Raises:
        FencingLost: the run is no longer this worker's; nothing was written.
    """
    rows = db.execute(
        conn, "complete_workflow_run", {**_finishing(claim, detail), "result": Jsonb(result)}, queue=claim.queue
    )
    return _finished(claim, rows)


def fail_workflow_run(
    conn: db.Connection, claim: ClaimedTask, reason: dict[str, Any], detail: dict[str, Any]
) -> db.Row:
    """FAILURE for good of a held root task in one statement: run, task and workflow run failed, `detail` audited.

    Returns:
        What telling a parent run needs (children.notify_parent).

    Raises:
        FencingLost: the run is no longer this worker's; nothing was written.
    """
    rows = db.execute(
        conn, "fail_workflow_run", {**_finishing(claim, detail), "reason": Jsonb(reason)}, queue=claim.queue
    )
    return _finished(claim, rows)


def _finishing(claim: ClaimedTask, detail: dict[str, Any]) -> dict[str, Any]:
    """The parameters a finishing statement shares: the fence, the workflow run and the audit detail."""
    return {
        "run_id": claim.run_id,
        "fencing_token": claim.fencing_token,
        "workflow_run_id": claim.workflow_run_id,
        "detail": Jsonb(detail),
    }


def _finished(claim: ClaimedTask, rows: list[db.Row]) -> db.Row:
    if not rows:  # the fence refused it: the statement wrote nothing
        raise errors.FencingLost(f"run {claim.run_id} lost its lease before finishing")
    return rows[0]


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
