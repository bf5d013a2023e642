"""Routes of signals, updates and queries: talking to a running workflow.

A signal is a durable message to one run, taken by the run's `wait_for_event` of `signal:<name>`; an
update is a signal whose sender waits until the run's `wait_for_event` of `update:<name>` takes it; a
query reads the run's committed variables without changing anything (see hwe.signals). The POSTs
honour X-Idempotency-Key: a replay answers the first message (and an update's replay waits for the
same update), never sends a second one.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

import anyio
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, signals, tenants
from services.api import _changes, _query, _state

MAX_UPDATE_WAIT_SECONDS = 60
DEFAULT_UPDATE_WAIT_SECONDS = 30
DEFAULT_LIMIT = 50
MAX_AFTER = 10**18 - 1  # a message sequence: 18 digits stay within a bigint
_POLL_SECONDS = 0.2
_UPDATE_STATUSES = ("PENDING", "COMPLETED", "FAILED")

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
SignalRequest:
  type: object
  required: [signal_name]
  additionalProperties: false
  properties:
    signal_name: {type: string, minLength: 1, maxLength: 150, description: "taken by a wait for `signal:<name>`"}
    payload: {type: object, description: "at most 65536 bytes as JSON; default {}"}
SignalSent:
  type: object
  required: [workflow_run_id, signal_name, sequence, delivered]
  properties:
    workflow_run_id: {type: string, format: uuid}
    signal_name: {type: string}
    sequence: {type: integer, description: "the signal's place in the run's messages"}
    delivered: {type: boolean, description: "a wait of the run took it at once; else it is kept for the next one"}
Signal:
  type: object
  required: [sequence, signal_name, payload, sent_at, status, delivered_to, delivered_at]
  properties:
    sequence: {type: integer}
    signal_name: {type: string}
    payload: {type: object}
    sent_at: {type: string, format: date-time}
    status:
      type: string
      enum: [pending, delivered, undelivered]
      description: "undelivered: the run ended without taking it"
    delivered_to: {type: [string, "null"], description: "the wait step that took it"}
    delivered_at: {type: [string, "null"], format: date-time}
SignalList:
  type: object
  required: [workflow_run_id, run_state, items, next_after]
  properties:
    workflow_run_id: {type: string, format: uuid}
    run_state: {type: string}
    items: {type: array, items: {$ref: '#/components/schemas/Signal'}}
    next_after: {type: [integer, "null"], description: "pass as `after` for the next page; null on the last"}
UpdateRequest:
  type: object
  required: [update_name]
  additionalProperties: false
  properties:
    update_name: {type: string, minLength: 1, maxLength: 150, description: "taken by a wait for `update:<name>`"}
    update_payload: {type: object, description: "what the run's wait receives; default {}"}
    timeout_seconds: {type: number, minimum: 0, maximum: 60, description: "how long to wait; default 30"}
Update:
  type: object
  required: [workflow_run_id, update_id, update_name, update_payload, status, result, created_at, completed_at]
  properties:
    workflow_run_id: {type: string, format: uuid}
    update_id: {type: integer, description: "the update's sequence; the same for an idempotent replay"}
    update_name: {type: string}
    update_payload: {type: object}
    status:
      type: string
      enum: [PENDING, COMPLETED, FAILED]
      description: "COMPLETED: a wait of the run took it; FAILED: the run ended without taking it"
    result:
      type: [object, "null"]
      description: "once COMPLETED: `accepted_by` (the run's wait step) and `payload` (what it received)"
    created_at: {type: string, format: date-time}
    completed_at: {type: [string, "null"], format: date-time}
UpdateList:
  type: object
  required: [workflow_run_id, run_state, items, next_after]
  properties:
    workflow_run_id: {type: string, format: uuid}
    run_state: {type: string}
    items: {type: array, items: {$ref: '#/components/schemas/Update'}}
    next_after: {type: [integer, "null"], description: "pass as `after` for the next page; null on the last"}
QueryAnswer:
  type: object
  required: [workflow_run_id, state]
  properties:
    workflow_run_id: {type: string, format: uuid}
    state: {type: string, description: "the run's state"}
    variable: {type: string, description: "with `variable=`: its name"}
    value: {description: "with `variable=`: its value"}
    variables: {type: object, description: "with `all=true`: every variable"}
    inputs: {type: object, description: "with `all=true`: the run's inputs"}
    version: {type: integer, description: "with `include_version=true`: how many checkpoints the run committed"}
""")


async def send_signal(request: Request) -> Response:
    """Sends a signal to a run: a durable message that the run's wait for `signal:<signal_name>` takes.

    The signal is kept until a wait of that run takes it, in order with the run's other signals of
    the name; a waiting run wakes at once. A finished run takes none (409 `run_finished`).
    ---
    tags: [signals]
    x-role: operator
    x-body: SignalRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201: {description: the signal sent, x-data: SignalSent}
    """
    principal = await _state.authenticate(request, require="operator")
    run_id = _run_id(request)
    body = await _state.read_json_object(request, ("signal_name", "payload"))
    name = signals.check_name("signal", body.get("signal_name"))
    payload: Any = body.get("payload", {})

    def send(conn: db.Connection) -> dict[str, Any]:
        emitted = signals.send(conn, principal.tenant_id, run_id, "signal", name, payload)
        return {
            "workflow_run_id": str(run_id),
            "signal_name": name,
            "sequence": emitted.sequence,
            "delivered": emitted.woken > 0,
        }

    idempotency = _state.idempotency(request, "send_signal", {"workflow_run_id": str(run_id), **body})
    sent = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, send)
    return _state.success(sent, status=201)


async def list_signals(request: Request) -> Response:
    """Lists the signals sent to a run, oldest first, with whether a wait of the run took each.

    ---
    tags: [signals]
    x-role: viewer
    parameters:
      - {name: status, in: query, description: only signals in this status,
         schema: {type: string, enum: [pending, delivered, undelivered]}}
      - {name: signal_name, in: query, description: only signals of this name, schema: {type: string, maxLength: 150}}
      - {name: limit, in: query, description: "at most this many (default 50)",
         schema: {type: integer, minimum: 1, maximum: 200}}
      - {name: after, in: query, description: "only those after this sequence (the previous page's next_after)",
         schema: {type: integer, minimum: 0}}
    responses:
      200: {description: the signals, x-data: SignalList}
    """
    principal = await _state.authenticate(request)
    query = _query.query(request, ("status", "signal_name", "limit", "after"))
    status = _query.choice(query, "status", ("pending", "delivered", "undelivered"))
    signal_name = _query.text(query, "signal_name", signals.MAX_NAME_CHARS)
    run_id = _run_id(request)
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, signals.MAX_LIMIT)
    after = _query.integer(query, "after", 0, 0, MAX_AFTER)
    taken = None if status is None else status == "delivered"
    state, messages = await _state.get(request).call(
        list_run_messages, principal.tenant_id, run_id, "signal", signal_name, taken, limit, after
    )
    finished = state in signals.TERMINAL
    if (status == "pending" and finished) or (status == "undelivered" and not finished):
        messages = []
    items = [
        {
            "sequence": m.sequence,
            "signal_name": m.name,
            "payload": m.payload,
            "sent_at": _iso(m.sent_at),
            "status": "delivered" if m.taken_by else "undelivered" if finished else "pending",
            "delivered_to": wait_step(m.taken_by),
            "delivered_at": _iso(m.taken_at),
        }
        for m in messages
    ]
    return _state.success(_page(run_id, state, items, messages, limit))


async def send_update(request: Request) -> Response:
    """Sends an update to a run and waits (up to `timeout_seconds`, at most 60) until the run takes it.

    The run takes an update with a wait for `update:<update_name>`, which receives `update_payload`;
    the answer is then 200 with status COMPLETED and the result (the wait step that accepted it and
    what it received). Not taken within the timeout: 202 with status PENDING and the `update_id`; the
    update stays queued for the run (follow it in the history). The run ended without taking it: 409
    `run_finished`, as for a run already finished. A replay with the same X-Idempotency-Key waits
    for the same update.
    ---
    tags: [updates]
    x-role: operator
    x-body: UpdateRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the run took the update, x-data: Update}
      202: {description: "not taken yet: the update, status PENDING", x-data: Update}
    """
    principal = await _state.authenticate(request, require="operator")
    run_id = _run_id(request)
    body = await _state.read_json_object(request, ("update_name", "update_payload", "timeout_seconds"))
    name = signals.check_name("update", body.get("update_name"))
    payload: Any = body.get("update_payload", {})
    timeout = body.get("timeout_seconds", DEFAULT_UPDATE_WAIT_SECONDS)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or not 0 <= timeout <= MAX_UPDATE_WAIT_SECONDS
    ):
        raise errors.InvalidRequest("bad_field", f"timeout_seconds is a number from 0 to {MAX_UPDATE_WAIT_SECONDS}")

    def send(conn: db.Connection) -> dict[str, Any]:
        emitted = signals.send(conn, principal.tenant_id, run_id, "update", name, payload)
        return {"workflow_run_id": str(run_id), "update_id": emitted.sequence}

    idempotency = _state.idempotency(request, "send_update", {"workflow_run_id": str(run_id), **body})
    sent = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, send)
    update_id, deadline = int(sent["update_id"]), time.monotonic() + timeout
    while True:
        state, messages = await _state.get(request).call(_one, principal.tenant_id, run_id, update_id)
        update = _update_view(run_id, state, messages[0])
        if update["status"] == "COMPLETED":
            return _state.success(update)
        if update["status"] == "FAILED":
            raise errors.Conflict(
                "run_finished", f"workflow run {run_id} is {state}: it ended without taking the update"
            )
        if time.monotonic() >= deadline:
            return _state.success(update, status=202)
        await anyio.sleep(min(_POLL_SECONDS, max(deadline - time.monotonic(), 0)))


async def list_pending_updates(request: Request) -> Response:
    """Lists the updates a run has not taken yet, oldest first (none once the run has ended).

    ---
    tags: [updates]
    x-role: viewer
    parameters:
      - {name: update_name, in: query, description: only updates of this name, schema: {type: string, maxLength: 150}}
      - {name: limit, in: query, description: "at most this many (default 50)",
         schema: {type: integer, minimum: 1, maximum: 200}}
      - {name: after, in: query, description: "only those after this sequence (the previous page's next_after)",
         schema: {type: integer, minimum: 0}}
    responses:
      200: {description: the pending updates, x-data: UpdateList}
    """
    return await _list_updates(request, ("update_name", "limit", "after"), "PENDING")


async def list_update_history(request: Request) -> Response:
    """Lists every update sent to a run, oldest first, with its status and result.

    ---
    tags: [updates]
    x-role: viewer
    parameters:
      - {name: status, in: query, description: only updates in this status,
         schema: {type: string, enum: [PENDING, COMPLETED, FAILED]}}
      - {name: update_name, in: query, description: only updates of this name, schema: {type: string, maxLength: 150}}
      - {name: limit, in: query, description: "at most this many (default 50)",
         schema: {type: integer, minimum: 1, maximum: 200}}
      - {name: after, in: query, description: "only those after this sequence (the previous page's next_after)",
         schema: {type: integer, minimum: 0}}
    responses:
      200: {description: the updates, x-data: UpdateList}
    """
    return await _list_updates(request, ("status", "update_name", "limit", "after"), None)


async def query_workflow(request: Request) -> Response:
    """Reads a run's variables as its checkpoints committed them, changing nothing.

    `variable=NAME` answers one (404 when the run has no such variable), `all=true` every variable
    with the run's inputs; exactly one of the two. Variables are the definition's `variables`, then
    what `set_variable` steps, variable-setting tools and `result_key` results committed, in order.
    `include_version=true` adds `version`, the number of checkpoints committed: equal versions read
    the same variables.
    ---
    tags: [queries]
    x-role: viewer
    parameters:
      - {name: variable, in: query, description: one variable's name,
         schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: all, in: query, description: every variable, schema: {type: string, enum: ["true", "false"]}}
      - {name: include_version, in: query, description: add `version`, schema: {type: string, enum: ["true", "false"]}}
    responses:
      200: {description: the variable or variables, x-data: QueryAnswer}
    """
    principal = await _state.authenticate(request)
    query = _query.query(request, ("variable", "all", "include_version"))
    every = _query.boolean(query, "all", False)
    with_version = _query.boolean(query, "include_version", False)
    variable = _query.text(query, "variable")
    if (variable is None) == (not every):
        raise errors.InvalidRequest("bad_parameter", "give exactly one of variable=NAME and all=true")
    run_id = _run_id(request)
    found = await _state.get(request).call(signals.read_variables, principal.tenant_id, run_id)
    answer: dict[str, Any] = {"workflow_run_id": str(run_id), "state": found.state}
    if variable is not None:
        if variable not in found.variables:
            raise errors.NotFound(f"workflow run {run_id} has no variable {variable!r}")
        answer |= {"variable": variable, "value": found.variables[variable]}
    else:
        answer |= {"variables": found.variables, "inputs": found.inputs}
    if with_version:
        answer["version"] = found.version
    return _state.success(answer)


async def _list_updates(request: Request, allowed: tuple[str, ...], only: str | None) -> Response:
    principal = await _state.authenticate(request)
    query = _query.query(request, allowed)
    status = only or _query.choice(query, "status", _UPDATE_STATUSES)
    update_name = _query.text(query, "update_name", signals.MAX_NAME_CHARS)
    run_id = _run_id(request)
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, signals.MAX_LIMIT)
    after = _query.integer(query, "after", 0, 0, MAX_AFTER)
    taken = None if status is None else status == "COMPLETED"
    state, messages = await _state.get(request).call(
        list_run_messages, principal.tenant_id, run_id, "update", update_name, taken, limit, after
    )
    items = [view for view in (_update_view(run_id, state, m) for m in messages) if status in (None, view["status"])]
    return _state.success(_page(run_id, state, items, messages, limit))


def list_run_messages(
    conn: db.Connection,
    tenant_id: str,
    run_id: uuid.UUID,
    kind: signals.Kind,
    name: str | None,
    taken: bool | None,
    limit: int,
    after: int,
) -> tuple[str, list[signals.Message]]:
    return signals.list_messages(conn, tenant_id, run_id, kind, name=name, taken=taken, after=after, limit=limit)


def _one(conn: db.Connection, tenant_id: str, run_id: uuid.UUID, update_id: int) -> tuple[str, list[signals.Message]]:
    state, messages = signals.list_messages(conn, tenant_id, run_id, "update", sequence=update_id, limit=1)
    if not messages:  # only a replay of a key whose run's messages were deleted since
        raise errors.NotFound(f"workflow run {run_id} has no update {update_id}")
    return state, messages


def _update_view(run_id: uuid.UUID, state: str, message: signals.Message) -> dict[str, Any]:
    if message.taken_by is not None:
        status = "COMPLETED"
        result: dict[str, Any] | None = {"accepted_by": wait_step(message.taken_by), "payload": message.payload}
    else:
        status, result = ("FAILED" if state in signals.TERMINAL else "PENDING"), None
    return {
        "workflow_run_id": str(run_id),
        "update_id": message.sequence,
        "update_name": message.name,
        "update_payload": message.payload,
        "status": status,
        "result": result,
        "created_at": _iso(message.sent_at),
        "completed_at": _iso(message.taken_at),
    }


def _page(
    run_id: uuid.UUID, state: str, items: list[dict[str, Any]], messages: list[signals.Message], limit: int
) -> dict[str, Any]:
    next_after = messages[-1].sequence if len(messages) == limit else None
    return {"workflow_run_id": str(run_id), "run_state": state, "items": items, "next_after": next_after}


def wait_step(step_name: str | None) -> str | None:
    return None if step_name is None else step_name.removeprefix("wait_for_event:")


def _run_id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.path_params["workflow_run_id"])
    except ValueError as err:
        raise errors.RunNotFound("workflow run ids are UUIDs") from err


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


routes = [
    Route("/api/v1/workflows/{workflow_run_id}/signals", send_signal, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/signals", list_signals, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/updates", send_update, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/updates", list_pending_updates, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/updates/history", list_update_history, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/query", query_workflow, methods=["GET"]),
]
