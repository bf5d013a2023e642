"""Read-only views of one run: its steps, events, checkpoints, graph and replayed timeline.

Every view is derived from one `runs.load_run_history` read: the run row (with its pinned
definition), the checkpoints of its root task, its queue attempts, its audit trail and its events.
A DSL task's steps are checkpoints named after its task id: `id` is the first attempt, `id#2` the
second, and so on (status `error` is a failed attempt); `sleep:id`, `sleep:retry:id` and
`wait_for_event:id` are its timers and event waits, and `id/...` the durable steps inside its tool.
Another tenant's run answers 404, as does an unknown one.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import api_records, definitions, errors, interpreter, runs
from services.api import _state

TERMINAL = ("completed", "failed", "cancelled")
ACTIVE = ("running", "sleeping", "waiting")
_FRAME = re.compile(r"^(.*?)((?:\[\d+\])*)$")
_PREFIXES = (
    ("sleep:retry:", "sleep"),
    ("sleep:", "sleep"),
    ("wait_for_event:", "wait"),
    ("emit_event:", "emit"),
    ("set_variable:", "variable"),
)


@dataclass(frozen=True)
class _Checkpoint:
    """A checkpoint with what its name says (kind, task, attempt) and when it started and ended."""

    row: dict[str, Any]
    kind: str
    task_id: str | None
    frame: str
    attempt: int
    started_at: datetime.datetime
    finished_at: datetime.datetime


async def list_steps(request: Request) -> Response:
    """Lists every task of the run's pinned definition with its state.

    States are completed, failed, skipped (it will never run: the run ended first), running and
    pending; each task has its attempts, start and end times, duration and last error.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`items`: the tasks in plan order"}
    """
    history = await _history(request)
    return _state.success({"workflow_run_id": str(history.run["workflow_run_id"]), "items": steps_view(history)})


async def get_step(request: Request) -> Response:
    """One task of the run (`step_name` is its task id): its state, attempts, timings, error, result and checkpoints.

    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: the task}
    """
    history = await _history(request)
    task_id = request.path_params["step_name"]
    step = next((s for s in steps_view(history, detailed=True) if s["task_id"] == task_id), None)
    if step is None:
        raise errors.RunNotFound(f"the run's definition has no task {task_id!r}")
    return _state.success(step)


async def list_events(request: Request) -> Response:
    """The run's audit trail and the events it emitted, received and waits for.

    `audit` holds the records of the append-only event log, `emitted` the events the run owns
    (emitted by its steps or posted to it), `received` the event waits that ended (with the payload,
    or timed out), and `waiting` the waits still open.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`audit`, `emitted`, `received` and `waiting`, each oldest first"}
    """
    history = await _history(request)
    return _state.success({"workflow_run_id": str(history.run["workflow_run_id"]), **events_view(history)})


async def list_checkpoints(request: Request) -> Response:
    """The raw checkpoints of the run: step name, position, status, time and committed value.

    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`items`: the checkpoints in step order"}
    """
    history = await _history(request)
    items = [
        {
            "step_name": row["step_name"],
            "position": row["position"],
            "status": row["status"],
            "created_at": iso_time(row["created_at"]),
            "value": row["state"],
        }
        for row in history.checkpoints
    ]
    return _state.success({"workflow_run_id": str(history.run["workflow_run_id"]), "items": items})


async def get_graph(request: Request) -> Response:
    """The run's definition as a graph: its tasks as nodes, each with its state, and their links as edges.

    Edge kinds: dependency (from a task to one that depends on it), on_success, on_failure, if_true,
    if_false and case.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`nodes` and `edges`"}
    """
    history = await _history(request)
    nodes, edges = graph_view(history)
    return _state.success(
        {
            "workflow_run_id": str(history.run["workflow_run_id"]),
            "workflow_name": history.run["workflow_name"],
            "nodes": nodes,
            "edges": edges,
        }
    )


async def get_graph_dot(request: Request) -> Response:
    """The run's graph as Graphviz DOT text, each task filled with the colour of its state.

    Colours: completed green, failed red, running blue, skipped grey, pending white.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200:
        description: the DOT text
        content:
          text/vnd.graphviz: {schema: {type: string}}
    """
    history = await _history(request)
    nodes, edges = graph_view(history)
    text = definitions.graph_dot(history.run["workflow_name"], nodes, edges)
    return Response(text, media_type="text/vnd.graphviz")


async def get_replay(request: Request) -> Response:
    """The run's timeline, in time order: submission, claims, steps and their attempts, sleeps, waits, events.

    Each item has `at` and `kind` (submitted, claimed, step, sleep, event_received, wait_timed_out,
    event_emitted, inner_step, and the audit records: sleeping, waiting, attempt_failed, completed,
    failed, cancelled, ...). Steps have `started_at`, `finished_at` and `duration_seconds`. `outcome`
    is the run's state, end time, total duration and error.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`timeline` and `outcome`"}
    """
    history = await _history(request)
    run = history.run
    finished = run["finished_at"]
    return _state.success(
        {
            "workflow_run_id": str(run["workflow_run_id"]),
            "workflow_name": run["workflow_name"],
            "timeline": timeline_view(history),
            "outcome": {
                "state": run["state"],
                "finished_at": iso_time(finished),
                "duration_seconds": None if finished is None else seconds_between(run["created_at"], finished),
                "error": run["error"],
            },
        }
    )


def events_view(history: runs.RunHistory) -> dict[str, list[dict[str, Any]]]:
    """The run's audit trail and its emitted, received and awaited events, as GET .../events answers them."""
    checkpoints = checkpoints_of(history)
    results = {
        (c.task_id, c.frame): c.row["state"] for c in checkpoints if c.kind == "attempt" and c.row["status"] == "ok"
    }
    tasks = _tasks(history.run["definition"])
    received = [
        {
            "step": f"{c.task_id}{c.frame}",
            "event_name": _event_name(results.get((c.task_id, c.frame)), tasks.get(c.task_id or "")),
            "timed_out": bool((c.row["state"] or {}).get("timed_out")),
            "payload": (c.row["state"] or {}).get("payload"),
            "received_at": iso_time(c.finished_at),
        }
        for c in checkpoints
        if c.kind == "wait"
    ]
    return {
        "audit": [
            {
                "event_id": row["event_id"],
                "event_type": row["event_type"],
                "attempt_run_id": None if row["run_id"] is None else str(row["run_id"]),
                "detail": row["detail"],
                "created_at": iso_time(row["created_at"]),
            }
            for row in history.audit
        ],
        "emitted": [
            {"event_name": e["event_name"], "payload": e["payload"], "emitted_at": iso_time(e["at"])}
            for e in history.events
            if e["kind"] == "emitted"
        ],
        "received": received,
        "waiting": [
            {"event_name": e["event_name"], "since": iso_time(e["at"]), "timeout_at": iso_time(e["timeout_at"])}
            for e in history.events
            if e["kind"] == "waiting"
        ],
    }


async def _history(request: Request) -> runs.RunHistory:
    principal = await _state.authenticate(request, require="viewer")
    try:
        run_id = uuid.UUID(request.path_params["workflow_run_id"])
    except ValueError as err:
        raise errors.RunNotFound("workflow run ids are UUIDs") from err
    return await _state.get(request).call(runs.load_run_history, principal.tenant_id, run_id)


def _parse_name(step_name: str) -> tuple[str, str | None, str, int]:
    """(kind, task id, loop iteration frame such as `[2]`, attempt number) of a checkpoint's step name."""
    base, sep, number = step_name.rpartition("#")
    attempt = int(number) if sep and number.isdigit() else 1
    base = base if sep and number.isdigit() else step_name
    kind = "attempt"
    for prefix, prefix_kind in _PREFIXES:
        if base.startswith(prefix):
            kind, base = prefix_kind, base.removeprefix(prefix)
            break
    if kind in ("emit", "variable"):
        return kind, None, "", attempt
    head, slash, _ = base.partition("/")
    match = _FRAME.match(head)
    task_id, frame = (match.group(1), match.group(2)) if match else (head, "")
    return ("inner" if slash and kind == "attempt" else kind), task_id, frame, attempt


def checkpoints_of(history: runs.RunHistory) -> list[_Checkpoint]:
    """The checkpoints in commit order, each with the latest time it can have started.

    A checkpoint records only when its step ended. A step started after its attempt was claimed,
    after the previous step of its task (and the wake-up, when that was a timer), after its task's
    dependencies ended, and after every suspension (timer or event wait) committed before it ended:
    the steps in flight finish before a run suspends, so a later step began after the resume.
    """
    claimed = {row["run_id"]: row["started_at"] for row in history.attempts}
    tasks = _tasks(history.run["definition"])
    parsed: list[_Checkpoint] = []
    suspensions: list[datetime.datetime | None] = []
    last_end: dict[tuple[str | None, str], datetime.datetime] = {}
    last_wake: dict[tuple[str | None, str], datetime.datetime | None] = {}
    for row in sorted(history.checkpoints, key=lambda r: (r["created_at"], r["position"])):
        kind, task_id, frame, attempt = _parse_name(row["step_name"])
        end, key = row["created_at"], (task_id, frame)
        candidates = [claimed.get(row["owner_run_id"]), *suspensions]
        if key in last_end:
            candidates += [last_end[key], last_wake.get(key)]
        else:
            dependencies = (tasks.get(task_id or "") or {}).get("dependencies") or []
            candidates += [last_end.get((str(dependency), frame)) for dependency in dependencies]
        start = max((t for t in candidates if t is not None and t <= end), default=end)
        parsed.append(_Checkpoint(row, kind, task_id, frame, attempt, start, end))
        wake = _wake_time(row) if kind == "sleep" else None
        last_end[key], last_wake[key] = end, wake
        if kind in ("sleep", "wait"):
            suspensions += [end, wake]
    return parsed


def _wake_time(row: dict[str, Any]) -> datetime.datetime | None:
    state = row["state"]
    try:
        return datetime.datetime.fromisoformat(state["wake_at"]) if isinstance(state, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def _tasks(definition: Any) -> dict[str, dict[str, Any]]:
    tasks = definition.get("tasks") if isinstance(definition, dict) else None
    return {str(k): v for k, v in tasks.items() if isinstance(v, dict)} if isinstance(tasks, dict) else {}


def _plan_order(definition: Any) -> dict[str, int | None]:
    """Every task id in plan order, with how many attempts it may make (None: not known)."""
    try:
        plan = {
            step.task_id: step.retry.max_attempts if step.retry else 1
            for step in interpreter.build_plan(definition).steps
        }
    except errors.InvalidWorkflow:
        plan = {}
    return {**plan, **{task_id: None for task_id in _tasks(definition) if task_id not in plan}}


def steps_view(history: runs.RunHistory, detailed: bool = False) -> list[dict[str, Any]]:
    run = history.run
    tasks = _tasks(run["definition"])
    by_task: dict[str, list[_Checkpoint]] = {}
    for checkpoint in checkpoints_of(history):
        if checkpoint.task_id in tasks:
            by_task.setdefault(checkpoint.task_id, []).append(checkpoint)
    run_error = run["error"] if isinstance(run["error"], dict) else {}
    steps = []
    for task_id, max_attempts in _plan_order(run["definition"]).items():
        mine = by_task.get(task_id, [])
        attempts = [c for c in mine if c.kind == "attempt"]  # in commit order
        last = attempts[-1] if attempts else None
        started = min((c.started_at for c in mine), default=None)
        errors_seen = [c.row["state"] for c in attempts if c.row["status"] == "error"]
        if last is not None and last.row["status"] == "ok":
            state = "completed"
        elif (run["state"] in TERMINAL and errors_seen) or run_error.get("task_id") == task_id:
            state = "failed"
        elif last is not None and max_attempts is not None and len(attempts) >= max_attempts:
            state = "failed"  # every attempt failed; the run goes on with what does not need this task
        elif run["state"] in TERMINAL:
            state = "skipped"
        else:
            state = "running" if mine else "pending"
        error = errors_seen[-1] if errors_seen else (run_error or None if state == "failed" else None)
        step: dict[str, Any] = {
            "task_id": task_id,
            "operator_type": tasks[task_id].get("operator_type"),
            "function": tasks[task_id].get("function"),
            "state": state,
            "attempts": len(attempts),
            "iterations": len({c.frame for c in attempts}),
            "started_at": iso_time(started),
            "finished_at": (
                iso_time(last.finished_at) if last is not None and state in ("completed", "failed") else None
            ),
            "duration_seconds": (
                seconds_between(started, last.finished_at)
                if last is not None and started is not None and state in ("completed", "failed")
                else None
            ),
            "error": error,
        }
        if detailed:
            step["result"] = last.row["state"] if state == "completed" and last is not None else None
            step["checkpoints"] = [c.row["step_name"] for c in mine]
        steps.append(step)
    _mark_next_running(steps, run["state"])
    return steps


def _mark_next_running(steps: list[dict[str, Any]], run_state: str) -> None:
    # A task leaves no trace until its first step commits: while an active run shows none in flight,
    # the first task not done yet in plan order is the one its worker is on (or waits in).
    if run_state not in ACTIVE or any(s["state"] == "running" for s in steps):
        return
    for step in steps:
        if step["state"] == "pending":
            step["state"] = "running"
            return


def graph_view(history: runs.RunHistory) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    nodes, edges = definitions.task_graph(history.run["definition"])
    states = {step["task_id"]: step["state"] for step in steps_view(history)}
    for node in nodes:
        node["state"] = states.get(node["id"], "pending")
    return nodes, edges


def timeline_view(history: runs.RunHistory) -> list[dict[str, Any]]:
    items: list[tuple[datetime.datetime, dict[str, Any]]] = []
    for row in history.audit:
        if row["event_type"] == api_records.EVENT_TYPE:
            continue  # who asked is the audit trail's question; the timeline shows what ran
        detail = row["detail"] if isinstance(row["detail"], dict) else {}
        item = {"kind": row["event_type"], "detail": detail}
        if "step" in detail:
            item["step"] = detail["step"]
        items.append((row["created_at"], item))
    for row in history.attempts:
        if row["started_at"] is not None:
            claim = {"kind": "claimed", "attempt": row["attempt"], "worker": row["claimed_by"]}
            items.append((row["started_at"], claim))
    for c in checkpoints_of(history):
        items.append((c.started_at, _checkpoint_item(c)))
    for event in history.events:
        if event["kind"] == "emitted":
            items.append((event["at"], {"kind": "event_emitted", "event_name": event["event_name"]}))
    items.sort(key=lambda pair: pair[0])
    return [{"at": iso_time(at), **item} for at, item in items]


def _checkpoint_item(c: _Checkpoint) -> dict[str, Any]:
    state = c.row["state"] if isinstance(c.row["state"], dict) else {}
    if c.kind == "sleep":
        wake = _wake_time(c.row)
        return {
            "kind": "sleep",
            "step": f"{c.task_id}{c.frame}",
            "until": iso_time(wake),
            "duration_seconds": None if wake is None else seconds_between(c.finished_at, wake),
        }
    if c.kind == "wait":
        kind = "wait_timed_out" if state.get("timed_out") else "event_received"
        return {"kind": kind, "step": f"{c.task_id}{c.frame}"}
    timing = {
        "started_at": iso_time(c.started_at),
        "finished_at": iso_time(c.finished_at),
        "duration_seconds": seconds_between(c.started_at, c.finished_at),
    }
    if c.kind == "attempt":
        error = c.row["state"] if c.row["status"] == "error" else None
        return {
            "kind": "step",
            "step": f"{c.task_id}{c.frame}",
            "attempt": c.attempt,
            "status": c.row["status"],
            **timing,
            "error": error,
        }
    return {"kind": "inner_step", "step": c.row["step_name"], "status": c.row["status"], **timing}


def _event_name(result: Any, task: dict[str, Any] | None) -> Any:
    if isinstance(result, dict) and "event_name" in result:
        return result["event_name"]
    return (task or {}).get("event_name")


def seconds_between(start: datetime.datetime, end: datetime.datetime) -> float:
    return round((end - start).total_seconds(), 6)


def iso_time(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


routes = [
    Route("/api/v1/workflows/{workflow_run_id}/steps", list_steps, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/steps/{step_name}", get_step, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/events", list_events, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/checkpoints", list_checkpoints, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/graph", get_graph, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/graph/dot", get_graph_dot, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/replay", get_replay, methods=["GET"]),
]
