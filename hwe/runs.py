"""Workflow runs as users see them: submit a definition, read a run.

Called by the API (through a thread offload) and by the orchestrator. Submission validates the
definition, then creates the workflow_run row and its root task in one transaction; the same
idempotency key with the same request returns the same run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from hwe import db, errors, events, interpreter, queue, tenants

ROOT_TASK_NAME = "workflow"
TERMINAL_STATES = ("completed", "failed", "cancelled")
# A root task that crashes its worker this many times fails; a deterministic task failure never retries.
ROOT_RETRY_STRATEGY: dict[str, Any] = {"kind": "exponential", "base_seconds": 1, "factor": 2, "max_seconds": 60}


@dataclass(frozen=True)
class Submission:
    """The run a submission created or found."""

    workflow_run_id: uuid.UUID
    created: bool


@dataclass(frozen=True)
class RunToExecute:
    """What a worker needs to execute a run."""

    workflow_run_id: uuid.UUID
    tenant_id: str
    plan: interpreter.Plan
    inputs: dict[str, Any]


def submit_run(
    conn: db.Connection,
    principal: tenants.Principal,
    *,
    definition: Any,
    inputs: Any,
    idempotency_key: str | None,
    request_hash: str,
    max_attempts: int,
) -> Submission:
    """Validates and submits a workflow run with its root task.

    Raises:
        InvalidWorkflow: the definition or the inputs cannot run.
        IdempotencyConflict: the key was used before with a different request.
    """
    if not isinstance(inputs, dict):
        raise errors.InvalidWorkflow("inputs must be a JSON object")
    plan = interpreter.build_plan(definition)
    run_id, task_id = uuid.uuid4(), uuid.uuid4()
    with conn.transaction():
        inserted = db.execute(
            conn,
            "insert_workflow_run",
            {
                "workflow_run_id": run_id,
                "tenant_id": principal.tenant_id,
                "workflow_name": plan.name,
                "workflow_version": plan.version,
                "definition": Jsonb(definition),
                "inputs": Jsonb(inputs),
                "idempotency_key": idempotency_key,
                "request_hash": request_hash,
                "queue_name": principal.queue_name,
                "task_id": task_id,
                "progress_total": len(plan.steps),
                "parent_run_id": None,
            },
        )
        if not inserted:
            existing = db.execute(
                conn,
                "find_run_by_idempotency_key",
                {"tenant_id": principal.tenant_id, "idempotency_key": idempotency_key},
            )[0]
            if existing["request_hash"] != request_hash:
                raise errors.IdempotencyConflict(
                    "this X-Idempotency-Key was already used with a different request",
                    str(existing["workflow_run_id"]),
                )
            return Submission(existing["workflow_run_id"], created=False)
        queue.spawn_task(
            conn,
            principal.queue_name,
            task_id=task_id,
            workflow_run_id=run_id,
            task_name=ROOT_TASK_NAME,
            params={},
            idempotency_key=f"run:{run_id}",
            retry_strategy=ROOT_RETRY_STRATEGY,
            max_attempts=max_attempts,
        )
        append_event(conn, run_id, "submitted", None, {"workflow_name": plan.name, "tasks": len(plan.steps)})
    return Submission(run_id, created=True)


def get_run(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> db.Row:
    """Returns a run as the API shows it.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    rows = db.execute(conn, "get_workflow_run", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    return rows[0]


def load_run_to_execute(conn: db.Connection, workflow_run_id: uuid.UUID) -> RunToExecute:
    """Loads a run's pinned definition and inputs for a worker."""
    row = db.execute(conn, "load_workflow_run", {"workflow_run_id": workflow_run_id})[0]
    return RunToExecute(
        workflow_run_id=row["workflow_run_id"],
        tenant_id=row["tenant_id"],
        plan=interpreter.build_plan(row["definition"]),
        inputs=row["inputs"],
    )


def finish_run(
    conn: db.Connection,
    workflow_run_id: uuid.UUID,
    state: str,
    *,
    result: Any = None,
    error: dict[str, Any] | None = None,
) -> None:
    """Moves a run to a terminal state; called inside the orchestrator's outcome transaction."""
    db.execute(
        conn,
        "finish_workflow_run",
        {
            "workflow_run_id": workflow_run_id,
            "state": state,
            "result": None if result is None else Jsonb(result),
            "error": None if error is None else Jsonb(error),
        },
    )


def append_event(
    conn: db.Connection, workflow_run_id: uuid.UUID, event_type: str, run_id: uuid.UUID | None, detail: dict[str, Any]
) -> None:
    """Appends an audit record in the caller's transaction."""
    db.execute(
        conn,
        "append_event",
        {
            "workflow_run_id": workflow_run_id,
            "event_type": event_type,
            "run_id": run_id,
            "detail": Jsonb(detail),
        },
    )


def cancel_run(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> None:
    """Cancels a run that has not finished; a worker running it stops at its next fenced write.

    Raises:
        RunNotFound: no such run for this tenant.
        NotCancellable: the run already finished.
    """
    with conn.transaction():
        run = _find_run_queue(conn, tenant_id, workflow_run_id)
        if run["state"] in TERMINAL_STATES or not queue.cancel_task(conn, run["queue_name"], run["task_id"]):
            raise errors.NotCancellable(f"workflow run {workflow_run_id} is {run['state']} and cannot be cancelled")
        db.execute(conn, "mark_run_cancelled", {"workflow_run_id": workflow_run_id})
        append_event(conn, workflow_run_id, "cancelled", None, {})


def post_event(
    conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID, event_name: str, payload: dict[str, Any]
) -> int:
    """Emits an event owned by a run of this tenant (the API's way in); returns the waiters woken.

    Raises:
        RunNotFound: no such run for this tenant.
        InvalidEvent: the name or the payload is not acceptable.
    """
    events.validate(workflow_run_id, event_name, payload)
    with conn.transaction():
        run = _find_run_queue(conn, tenant_id, workflow_run_id)
        woken = events.emit_event(
            conn,
            run["queue_name"],
            tenant_id=tenant_id,
            workflow_run_id=workflow_run_id,
            event_name=event_name,
            payload=payload,
        )
        append_event(conn, workflow_run_id, "event_posted", None, {"event_name_length": len(event_name)})
    return woken


def _find_run_queue(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> db.Row:
    rows = db.execute(conn, "find_run_queue", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    return rows[0]
