"""The console's page of one run: graph, steps with attempts, results, errors and logs, events, audit, diagnosis.

Every figure comes from the engine reads the REST run views use (`runs.load_run_history` through
`_run_views`, `runs.get_run`, `diagnosis.diagnose`, the task logs, signals and approvals), so the page shows
what GET /api/v1/workflows/{id}/... answers the same principal, and nothing else: another tenant's run is a
404 page, as in the API. The actions (cancel, retry, signal, event, approvals) are in _run_action_pages.py.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import approvals, db, diagnosis, errors, runs
from services.api import _logs, _run_views, _signals, _state
from services.api.ui import _pages, _render, _run_graph

logger = logging.getLogger(__name__)

LOG_LIMIT = 200
SIGNAL_LIMIT = 50
APPROVAL_LIMIT = 50
MAX_STARTED_RUNS = 12  # lanes drawn below the graph; the rest are listed by the child runs' own pages
MAX_JSON_CHARS = 20_000
STARTING_OPERATORS = ("parallel", "child_workflow", "multi_choice", "activity")


@_render.page
async def run_page(request: Request) -> Response:
    """One run: everything the REST run views show, with the actions the principal's role allows."""
    principal = await _render.page_principal(request, "viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    view = await _state.get(request).call(_load, principal.tenant_id, principal.queue_name, run_id)
    run = view["run"]
    return _render.render(
        request,
        "pages/run.html",
        principal=principal,
        title=f"{run['workflow_name']} {str(run['workflow_run_id'])[:8]}",
        live=run["state"] not in _run_views.TERMINAL,
        when=_pages.when,
        pretty=pretty,
        **view,
    )


def _load(conn: db.Connection, tenant_id: str, queue_name: str, run_id: uuid.UUID) -> dict[str, Any]:
    history = runs.load_run_history(conn, tenant_id, run_id)
    run = runs.get_run(conn, tenant_id, run_id)
    steps = _run_views.steps_view(history, detailed=True)
    nodes, edges = _run_views.graph_view(history)
    started = _started_runs(conn, tenant_id, history, {node["id"] for node in nodes if _starts_runs(node)})
    log_rows = _logs.run_log_entries(conn, tenant_id, run_id, None, None, 0, LOG_LIMIT + 1)
    signal_state, messages = _signals.list_run_messages(conn, tenant_id, run_id, "signal", None, None, SIGNAL_LIMIT, 0)
    run_approvals = approvals.list_approvals(
        conn, tenant_id, queue_name, status=None, workflow_run_id=run_id, limit=APPROVAL_LIMIT, offset=0
    )
    logs: dict[str, list[dict[str, Any]]] = {}
    for row in log_rows[:LOG_LIMIT]:
        logs.setdefault(row["task_id"], []).append(_logs.entry(row))
    return {
        "run": run,
        "steps": steps,
        "attempts": _attempts(history),
        "drawing": _run_graph.layout(nodes, edges, steps, history.run["definition"], started),
        "started": started,
        "timeline": _run_views.timeline_view(history),
        "events": _run_views.events_view(history),
        "diagnosis": diagnosis.diagnose(conn, tenant_id, run_id),
        "logs": logs,
        "logs_cut": len(log_rows) > LOG_LIMIT,
        "signals": [_signal(m, signal_state) for m in messages],
        "approvals": run_approvals,
    }


def _starts_runs(node: dict[str, Any]) -> bool:
    return node["operator_type"] in STARTING_OPERATORS or node["function"] == "tools.workflow.execute"


def _attempts(history: runs.RunHistory) -> dict[str, list[dict[str, Any]]]:
    """Each task's attempts (one per loop iteration and retry), with their times and outcome, in commit order."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for c in _run_views.checkpoints_of(history):
        if c.kind != "attempt" or c.task_id is None:
            continue
        by_task.setdefault(c.task_id, []).append(
            {
                "attempt": c.attempt,
                "frame": c.frame,
                "status": c.row["status"],
                "started_at": _run_views.iso_time(c.started_at),
                "finished_at": _run_views.iso_time(c.finished_at),
                "duration_seconds": _run_views.seconds_between(c.started_at, c.finished_at),
                "error": c.row["state"] if c.row["status"] == "error" else None,
            }
        )
    return by_task


def _started_runs(
    conn: db.Connection, tenant_id: str, history: runs.RunHistory, task_ids: set[str]
) -> dict[str, list[_run_graph.Branch]]:
    """The runs each forking task started (branches, child workflows), found in its committed checkpoints."""
    found: dict[str, dict[str, str]] = {}
    for c in _run_views.checkpoints_of(history):
        if c.task_id in task_ids:
            for name, run_id in _run_ids(c.row["state"], c.row["step_name"].rpartition(":")[2]):
                found.setdefault(c.task_id, {}).setdefault(run_id, name)
    started: dict[str, list[_run_graph.Branch]] = {}
    budget = MAX_STARTED_RUNS
    for task_id, ids in found.items():
        for run_id, name in list(ids.items())[: max(budget, 0)]:
            budget -= 1
            try:
                child = runs.load_run_history(conn, tenant_id, uuid.UUID(run_id))
            except (errors.RunNotFound, ValueError):
                continue  # not a run of this tenant: never shown
            parallel = history.run["definition"]["tasks"][task_id].get("operator_type") == "parallel"
            steps = _run_views.steps_view(child) if parallel else []
            started.setdefault(task_id, []).append(_run_graph.Branch(name, run_id, child.run["state"], steps))
    return started


def _run_ids(value: Any, name: str) -> list[tuple[str, str]]:
    """(name, workflow_run_id) of every object with a `workflow_run_id` in a checkpoint value, named by its key."""
    if isinstance(value, list):
        return [pair for item in value for pair in _run_ids(item, name)]
    if not isinstance(value, dict):
        return []
    pairs = [(name, value["workflow_run_id"])] if isinstance(value.get("workflow_run_id"), str) else []
    for key, item in value.items():
        if key not in ("result", "error"):  # a child run's own result may name other runs
            pairs += _run_ids(item, str(key))
    return pairs


def _signal(message: Any, run_state: str) -> dict[str, Any]:
    finished = run_state in _run_views.TERMINAL
    return {
        "sequence": message.sequence,
        "signal_name": message.name,
        "payload": message.payload,
        "sent_at": _run_views.iso_time(message.sent_at),
        "status": "delivered" if message.taken_by else "undelivered" if finished else "pending",
        "delivered_to": _signals.wait_step(message.taken_by),
    }


def pretty(value: Any) -> str:
    """A value as indented JSON for a <pre>, cut at MAX_JSON_CHARS (the template escapes it)."""
    text = json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= MAX_JSON_CHARS else text[:MAX_JSON_CHARS] + "\n… (cut)"


routes = [Route("/ui/runs/{workflow_run_id}", run_page, methods=["GET"], include_in_schema=False)]
