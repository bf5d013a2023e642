"""Signals, updates and queries: talking to a running workflow run, on the event machinery.

A signal is a durable message to one run: an event owned by that run, named `signal:<run id>:<name>`,
so it is kept (buffered until a wait takes it), numbered and listed like every event, and taken
only by a `wait_for_event` of that run whose event name is `signal:<name>` (the interpreter scopes
the name with `scoped_event_name`). An update is the same with `update:`; it is answered when the
run's wait takes it, and its id is its event sequence. A query reads the run's variables from what
its checkpoints committed, changing nothing. Another tenant's run is not found. Never commits: the
caller owns the transaction (`send` opens a nested one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from hwe import db, errors, events, runs, tools

Kind = Literal["signal", "update"]
KINDS: tuple[Kind, ...] = ("signal", "update")
TERMINAL = ("completed", "failed", "cancelled")
# `update:` + a run id + `:` leave this much of an event name's 200 characters for the message's name.
MAX_NAME_CHARS = 150
MAX_LIMIT = 200


@dataclass(frozen=True)
class Message:
    """A signal or update sent to a run: its sequence, name, payload, and the wait step that took it."""

    sequence: int
    name: str
    payload: dict[str, Any]
    sent_at: Any
    taken_by: str | None
    taken_at: Any


def scoped_event_name(workflow_run_id: uuid.UUID, event_name: str) -> str:
    """The event a wait really waits for: `signal:NAME`/`update:NAME` become that run's own message names.

    Any other name is an event of the tenant, unchanged.
    """
    for kind in KINDS:
        if event_name.startswith(f"{kind}:"):
            return _event_name(kind, workflow_run_id, event_name.removeprefix(f"{kind}:"))
    return event_name


def check_name(kind: Kind, name: Any) -> str:
    """Returns a signal's or update's name once it is acceptable.

    Raises:
        InvalidEvent: not a string of 1 to MAX_NAME_CHARS characters without NUL.
    """
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS or "\x00" in name:
        raise errors.InvalidEvent(f"a {kind} name is a string of 1 to {MAX_NAME_CHARS} characters without NUL")
    return name


def send(
    conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID, kind: Kind, name: str, payload: Any
) -> events.Emitted:
    """Stores a signal or update for a run of this tenant and hands it to the run's wait for it, if one waits.

    Raises:
        RunNotFound: no such run for this tenant.
        InvalidEvent: the name or the payload is not acceptable (checked before any SQL).
        Conflict: `run_finished`, the run has ended and takes no more messages.
    """
    check_name(kind, name)
    event_name = _event_name(kind, workflow_run_id, name)
    events.validate(workflow_run_id, event_name, payload)
    with conn.transaction():
        # The name lock first, as every emitter takes it (lock order: event, runs, task).
        events.lock_event_name(conn, tenant_id, event_name)
        run = runs.find_run_queue(conn, tenant_id, workflow_run_id)
        if run["state"] in TERMINAL:
            raise errors.Conflict(
                "run_finished", f"workflow run {workflow_run_id} is {run['state']}: no {kind} reaches it"
            )
        emitted = events.emit_event(
            conn,
            run["queue_name"],
            tenant_id=tenant_id,
            workflow_run_id=workflow_run_id,
            event_name=event_name,
            payload=payload,
        )
        detail = {"name_length": len(name), "sequence": emitted.sequence}
        runs.append_event(conn, workflow_run_id, f"{kind}_received", None, detail)
    return emitted


def list_messages(
    conn: db.Connection,
    tenant_id: str,
    workflow_run_id: uuid.UUID,
    kind: Kind,
    *,
    name: str | None = None,
    taken: bool | None = None,
    sequence: int | None = None,
    after: int = 0,
    limit: int = 50,
) -> tuple[str, list[Message]]:
    """The run's state and its signals or updates, oldest first, after sequence `after`. Read-only.

    `taken` True keeps those a wait took, False those not taken yet; `sequence` one message.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    with conn.transaction():
        run = runs.find_run_queue(conn, tenant_id, workflow_run_id)
        params = {
            "tenant_id": tenant_id,
            "workflow_run_id": workflow_run_id,
            "task_id": run["task_id"],
            "prefix": _event_name(kind, workflow_run_id, ""),
            "name": name,
            "taken": taken,
            "event_seq": sequence,
            "after": after,
            "limit": min(limit, MAX_LIMIT),
        }
        rows = db.execute(conn, "list_run_messages", params, queue=run["queue_name"])
    messages = [
        Message(
            sequence=int(row["event_seq"]),
            name=row["name"],
            payload=row["payload"],
            sent_at=row["emitted_at"],
            taken_by=row["taken_by"],
            taken_at=row["taken_at"],
        )
        for row in rows
    ]
    return str(run["state"]), messages


@dataclass(frozen=True)
class Variables:
    """What a run has committed so far: its variables, its inputs, its state and how many steps committed."""

    state: str
    variables: dict[str, Any]
    inputs: dict[str, Any]
    version: int


def read_variables(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> Variables:
    """The run's variables as its checkpoints committed them, changing nothing.

    In commit order: the definition's `variables`, then each `set_variable` step, the results of tools
    that set variables, and the results stored under a `result_key` (the run's context). `version` is the
    number of committed checkpoints: it grows with every step, so two equal versions read the same.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    with conn.transaction():
        rows = db.execute(conn, "get_run_context", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
        if not rows:
            raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
        run = rows[0]
        checkpoints = runs.list_run_checkpoints(conn, run["queue_name"], run["task_id"])
    definition = run["definition"] if isinstance(run["definition"], dict) else {}
    declared = definition.get("variables")
    variables: dict[str, Any] = dict(declared) if isinstance(declared, dict) else {}
    tasks = definition.get("tasks") if isinstance(definition.get("tasks"), dict) else {}
    for row in checkpoints:
        if row["status"] != "ok" or not isinstance(row["state"], dict):
            continue
        step_name: str = row["step_name"]
        if step_name.startswith("set_variable:") and "value" in row["state"]:
            variables[_first_name(step_name.removeprefix("set_variable:"))] = row["state"]["value"]
            continue
        task = tasks.get(_first_name(step_name)) if isinstance(tasks, dict) else None
        function = task.get("function") if isinstance(task, dict) else None
        tool = tools.get(function) if isinstance(function, str) else None
        if tool is not None and tool.sets_variables:
            variables.update(row["state"])
    variables.update(run["context"] if isinstance(run["context"], dict) else {})
    inputs = run["inputs"] if isinstance(run["inputs"], dict) else {}
    return Variables(state=str(run["state"]), variables=variables, inputs=inputs, version=len(checkpoints))


def _first_name(step_name: str) -> str:
    """A step's name without the `#n` of its n-th repeat (a retried attempt, a variable set again)."""
    base, sep, number = step_name.rpartition("#")
    return base if sep and number.isdigit() else step_name


def _event_name(kind: Kind, workflow_run_id: uuid.UUID, name: str) -> str:
    return f"{kind}:{workflow_run_id}:{name}"
