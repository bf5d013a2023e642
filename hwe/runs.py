"""Workflow runs as users see them: submit a definition, read a run.

Called by the API (through a thread offload) and by the orchestrator. Submission validates the
definition (once per content: the interpreter caches plans), then creates the workflow_run row, its root
task and its audit record in one statement; the same idempotency key with the same request returns the same run.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from hwe import api_records, children, db, definitions, errors, events, interpreter, queue, tenants

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
    request_hash: str | None,
    max_attempts: int,
    api_record: api_records.ApiRequest | None = None,
) -> Submission:
    """Validates and submits a workflow run with its root task; stores its definition as a version of its name.

    The definition becomes the next stored version of its name unless the tenant has stored its content
    before (then nothing is added), so child workflows and tools.workflow.execute find it by name.

    Args:
        conn: the connection; on an autocommit one the run is created in one round trip and one commit.
        principal: who submits it (its tenant and queue).
        definition: the workflow definition.
        inputs: the run's inputs, a JSON object.
        idempotency_key: the tenant's key for this submission, or None.
        request_hash: what a repeat of the key must match to find the same run; None without a key.
        max_attempts: how many times the root task may crash its worker.
        api_record: the API request submitting it: its `ok` record is written with the run (or, when the key
            finds an earlier run, after reading it). A refused submission writes no record here.

    Raises:
        InvalidWorkflow: the definition or the inputs cannot run.
        IdempotencyConflict: the key was used before with a different request.
    """
    if not isinstance(inputs, dict):
        raise errors.InvalidWorkflow("inputs must be a JSON object")
    plan = interpreter.check_new_definition(definition)
    # One statement creates everything: on an autocommit connection it is one round trip and one commit.
    created = _create_run(
        conn,
        principal.tenant_id,
        principal.queue_name,
        plan,
        definition=definition,
        inputs=inputs,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        max_attempts=max_attempts,
        api_detail=None if api_record is None else api_records.detail(api_record, "ok"),
        store_definition=True,
    )
    if created is not None:
        if not created.definition_stored:
            # A concurrent store of another content under this name took the version number first.
            definitions.store_definition(conn, principal.tenant_id, definition)
        return Submission(created.workflow_run_id, created=True)
    # The key is taken: a statement of its own sees the run even when it committed after the insert began.
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
    if api_record is not None:
        api_records.append_api_record(conn, api_record, "ok", existing["workflow_run_id"])
    return Submission(existing["workflow_run_id"], created=False)


def retry_run(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID, max_attempts: int) -> uuid.UUID:
    """Starts a new run of a failed or cancelled run's pinned definition, resuming after its completed steps.

    The new run gets a new id; the old run's successful checkpoints are copied, so only the step that
    failed (and what follows) runs again.

    Raises:
        RunNotFound: no such run for this tenant.
        NotRetryable: the run has not failed or been cancelled.
    """
    with conn.transaction():
        rows = db.execute(conn, "find_run_for_retry", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
        if not rows:
            raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
        old = rows[0]
        if old["state"] not in ("failed", "cancelled"):
            raise errors.NotRetryable(
                f"workflow run {workflow_run_id} is {old['state']}; only failed or cancelled runs"
            )
        created = _create_run(
            conn,
            tenant_id,
            old["queue_name"],
            interpreter.build_plan(old["definition"]),
            definition=old["definition"],
            inputs=old["inputs"],
            idempotency_key=None,
            request_hash=None,
            max_attempts=max_attempts,
        )
        assert created is not None  # without an idempotency key there is nothing to conflict with
        queue.copy_checkpoints(
            conn,
            old["queue_name"],
            from_task_id=old["task_id"],
            to_task_id=created.task_id,
            owner_run_id=created.queue_run_id,
        )
        db.execute(
            conn,
            "record_retry_of",
            {
                "workflow_run_id": created.workflow_run_id,
                "retry_of": workflow_run_id,
                "context": Jsonb(old["context"]),
                "progress_completed": old["progress_completed"],
            },
        )
        append_event(conn, created.workflow_run_id, "retry_of", None, {"retry_of": str(workflow_run_id)})
    return created.workflow_run_id


@dataclass(frozen=True)
class _CreatedRun:
    workflow_run_id: uuid.UUID
    task_id: uuid.UUID
    queue_run_id: uuid.UUID
    definition_stored: bool


def _create_run(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    plan: interpreter.Plan,
    *,
    definition: Any,
    inputs: dict[str, Any],
    idempotency_key: str | None,
    request_hash: str | None,
    max_attempts: int,
    workflow_run_id: uuid.UUID | None = None,
    parent_run_id: uuid.UUID | None = None,
    api_detail: Jsonb | None = None,
    store_definition: bool = False,
) -> _CreatedRun | None:
    """Inserts the run row, its root task and its audit records; None when the idempotency key is taken.

    `api_detail` is the detail of the `api_request` record of the API call creating the run, if one does.
    With `store_definition` the definition is stored as a version of its name in the same statement
    (unless its content is stored already); `definition_stored` is False when that lost a race.
    """
    run_id, task_id, queue_run_id = workflow_run_id or uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    inserted = db.execute(
        conn,
        "create_run",
        {
            "workflow_run_id": run_id,
            "tenant_id": tenant_id,
            "workflow_name": plan.name,
            "workflow_version": plan.version,
            "definition": Jsonb(definition),
            "inputs": Jsonb(inputs),
            "idempotency_key": idempotency_key,
            "request_hash": request_hash,
            "queue_name": queue_name,
            "task_id": task_id,
            "progress_total": len(plan.steps),
            "parent_run_id": parent_run_id,
            "deadline_seconds": plan.deadline_seconds,
            "deadline_action": plan.deadline_action,
            "task_name": ROOT_TASK_NAME,
            "retry_strategy": Jsonb(ROOT_RETRY_STRATEGY),
            "max_attempts": max_attempts,
            "queue_run_id": queue_run_id,
            "detail": Jsonb({"workflow_name": plan.name, "tasks": len(plan.steps)}),
            "api_detail": api_detail,
            "channel": db.queue_channel(queue_name),
            "definition_hash": definitions.content_hash(definition),
            "store_definition": store_definition,
        },
        queue=queue_name,
    )
    if not inserted:
        return None
    return _CreatedRun(run_id, task_id, queue_run_id, bool(inserted[0]["definition_stored"]))


def start_child_run(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    *,
    workflow_run_id: uuid.UUID,
    parent_run_id: uuid.UUID,
    definition: Any,
    inputs: dict[str, Any],
    max_attempts: int,
) -> None:
    """Creates a child run (a parallel branch, child workflow or activity) in the caller's transaction.

    The caller commits it together with the parent's step, so it is created exactly once; the id
    is chosen by the caller because the step's checkpoint records it.

    Raises:
        InvalidWorkflow: the child's definition cannot run.
    """
    _create_run(
        conn,
        tenant_id,
        queue_name,
        interpreter.build_plan(definition),
        definition=definition,
        inputs=inputs,
        idempotency_key=None,
        request_hash=None,
        max_attempts=max_attempts,
        workflow_run_id=workflow_run_id,
        parent_run_id=parent_run_id,
    )


def get_run(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> db.Row:
    """Returns a run as the API shows it.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    rows = db.execute(conn, "get_workflow_run", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    return rows[0]


def list_runs(
    conn: db.Connection,
    tenant_id: str,
    *,
    state: str | None = None,
    workflow_name: str | None = None,
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
    after: tuple[datetime.datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> list[db.Row]:
    """Returns one page of a tenant's runs, newest first (summaries: no definition, result or context).

    Args:
        conn: a connection.
        tenant_id: whose runs; other tenants' runs are never listed.
        state: only runs in this state.
        workflow_name: only runs of this workflow.
        created_after: only runs created strictly after this time.
        created_before: only runs created strictly before this time.
        after: the (created_at, workflow_run_id) of the last run of the previous page.
        limit: at most this many runs.
    """
    return db.execute(
        conn,
        "list_workflow_runs",
        {
            "tenant_id": tenant_id,
            "state": state,
            "workflow_name": workflow_name,
            "created_after": created_after,
            "created_before": created_before,
            "cursor_created_at": None if after is None else after[0],
            "cursor_run_id": None if after is None else after[1],
            "limit": limit,
        },
    )


def run_to_execute(claim: queue.ClaimedTask) -> RunToExecute:
    """What a worker executes for a claimed root task: the plan of its pinned definition, which the claim read."""
    if claim.tenant_id is None or claim.definition is None or claim.inputs is None:
        raise errors.RunNotFound(f"the task of run {claim.run_id} has no workflow run")
    return RunToExecute(
        workflow_run_id=claim.workflow_run_id,
        tenant_id=claim.tenant_id,
        plan=interpreter.build_plan_from_json(claim.definition),
        inputs=claim.inputs,
    )


def finish_run(
    conn: db.Connection,
    workflow_run_id: uuid.UUID,
    state: str,
    *,
    result: Any = None,
    error: dict[str, Any] | None = None,
) -> None:
    """Moves a run to a terminal state (telling its parent, if any); called inside an outcome transaction."""
    rows = db.execute(
        conn,
        "finish_workflow_run",
        {
            "workflow_run_id": workflow_run_id,
            "state": state,
            "result": None if result is None else Jsonb(result),
            "error": None if error is None else Jsonb(error),
        },
    )
    for finished in rows:
        children.notify_parent(conn, finished)


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
    """Cancels a run that has not finished, then its unfinished child runs, each in its own transaction.

    A worker running a cancelled run stops at its next fenced write.

    Raises:
        RunNotFound: no such run for this tenant.
        NotCancellable: the run already finished.
    """
    with conn.transaction():
        run = find_run_queue(conn, tenant_id, workflow_run_id)
        if run["state"] in TERMINAL_STATES or not queue.cancel_task(conn, run["queue_name"], run["task_id"]):
            raise errors.NotCancellable(f"workflow run {workflow_run_id} is {run['state']} and cannot be cancelled")
        for cancelled in db.execute(conn, "mark_run_cancelled", {"workflow_run_id": workflow_run_id}):
            children.notify_parent(conn, cancelled)
        append_event(conn, workflow_run_id, "cancelled", None, {})
    # One transaction per child keeps the lock order (event, runs, task, run) of each cancel; a
    # child that finishes meanwhile keeps its outcome.
    for child in db.execute(
        conn, "list_unfinished_child_runs", {"tenant_id": tenant_id, "parent_run_id": workflow_run_id}
    ):
        with contextlib.suppress(errors.NotCancellable):
            cancel_run(conn, tenant_id, child["workflow_run_id"])


def post_event(
    conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID, event_name: str, payload: dict[str, Any]
) -> events.Emitted:
    """Emits an event owned by a run of this tenant (the API's way in); every post is kept, in order.

    Raises:
        RunNotFound: no such run for this tenant.
        InvalidEvent: the name or the payload is not acceptable.
    """
    events.validate(workflow_run_id, event_name, payload)
    with conn.transaction():
        run = find_run_queue(conn, tenant_id, workflow_run_id)
        emitted = events.emit_event(
            conn,
            run["queue_name"],
            tenant_id=tenant_id,
            workflow_run_id=workflow_run_id,
            event_name=event_name,
            payload=payload,
        )
        detail = {"event_name_length": len(event_name), "sequence": emitted.sequence}
        append_event(conn, workflow_run_id, "event_posted", None, detail)
    return emitted


def find_run_queue(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> db.Row:
    """Reads a run's state, root task and queue, scoped by tenant.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    rows = db.execute(conn, "find_run_queue", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    return rows[0]


@dataclass(frozen=True)
class RunHistory:
    """What the API's run views read about one run; every list is oldest first."""

    run: db.Row
    checkpoints: list[db.Row]
    attempts: list[db.Row]
    audit: list[db.Row]
    events: list[db.Row]


def load_run_history(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> RunHistory:
    """Reads a run with its checkpoints, queue attempts, audit trail and events. Read-only.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    with conn.transaction():
        run = get_run_record(conn, tenant_id, workflow_run_id)
        queue_name, task_id = run["queue_name"], run["task_id"]
        return RunHistory(
            run=run,
            checkpoints=list_run_checkpoints(conn, queue_name, task_id),
            attempts=list_run_attempts(conn, queue_name, task_id),
            audit=list_run_audit(conn, tenant_id, workflow_run_id),
            events=list_run_events(conn, queue_name, tenant_id, workflow_run_id, task_id),
        )


def get_run_record(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> db.Row:
    """Returns a run with its pinned definition, queue and root task id.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    rows = db.execute(conn, "get_run_record", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    return rows[0]


def list_run_checkpoints(conn: db.Connection, queue_name: str, task_id: uuid.UUID) -> list[db.Row]:
    """Every checkpoint of a root task (name, position, status, value, time), in step order."""
    return db.execute(conn, "list_run_checkpoints", {"task_id": task_id}, queue=queue_name)


def list_run_attempts(conn: db.Connection, queue_name: str, task_id: uuid.UUID) -> list[db.Row]:
    """Every queue attempt of a root task: claimant, start, end and failure reason."""
    return db.execute(conn, "list_run_attempts", {"task_id": task_id}, queue=queue_name)


def list_run_audit(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> list[db.Row]:
    """A run's audit records from the event log."""
    return db.execute(conn, "list_run_audit", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})


def list_run_events(
    conn: db.Connection, queue_name: str, tenant_id: str, workflow_run_id: uuid.UUID, task_id: uuid.UUID
) -> list[db.Row]:
    """The events a run owns (`kind` emitted) and its open event waits (`kind` waiting)."""
    return db.execute(
        conn,
        "list_run_events",
        {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id, "task_id": task_id},
        queue=queue_name,
    )
