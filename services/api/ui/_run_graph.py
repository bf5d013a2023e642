"""Lays out a run's task graph for the console's inline SVG: boxes in columns by dependency depth.

The nodes, edges and states are `_run_views.graph_view`'s (what GET /api/v1/workflows/{id}/graph answers); this
module only places them. A loop's body is drawn with an edge back to its loop node; a parallel fork or a
child-workflow task gets a lane below the graph per branch or child run, whose boxes are that run's own tasks
(or the child run itself) and link to its page. Geometry only: components/run_graph renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NODE_W, NODE_H = 168, 44
COL_GAP, ROW_GAP = 56, 20
MARGIN = 16
LANE_LABEL_H = 22
LANE_INDENT = 32  # a lane's boxes start right of the line that joins them to their fork
LOOP_OPERATORS = ("foreach", "while")


@dataclass(frozen=True)
class Box:
    """One box of the drawing: a task (or a child run), where it is, its state and where it links."""

    label: str
    detail: str
    state: str
    x: int
    y: int
    href: str
    css: str = ""


@dataclass(frozen=True)
class Lane:
    """A parallel branch or a child run below the graph, labelled, with a link to the run."""

    label: str
    href: str
    x: int
    y: int
    boxes: list[Box]


@dataclass
class Drawing:
    """Everything the SVG template draws, in pixels."""

    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)


@dataclass(frozen=True)
class Branch:
    """A run a fork or child-workflow task started: its name, id, state and (for a branch) its tasks' states."""

    name: str
    workflow_run_id: str
    state: str
    steps: list[dict[str, Any]]


def layout(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, str]],
    steps: list[dict[str, Any]],
    definition: dict[str, Any],
    branches: dict[str, list[Branch]],
) -> Drawing:
    """Places the graph: `steps` (plan order) orders each column, `branches` maps a task to the runs it started."""
    order = {step["task_id"]: i for i, step in enumerate(steps)}
    by_id = {node["id"]: node for node in nodes}
    ids = sorted(by_id, key=lambda task_id: order.get(task_id, len(order)))
    depth = _depths(ids, [e for e in edges if e["kind"] == "dependency"])
    columns: dict[int, list[str]] = {}
    for task_id in ids:
        columns.setdefault(depth[task_id], []).append(task_id)
    iterations = {step["task_id"]: step["iterations"] for step in steps}
    loop_body = _loop_bodies(definition)
    in_loop = {task_id for body in loop_body.values() for task_id in body}
    places: dict[str, tuple[int, int]] = {}
    drawing = Drawing(width=0, height=0)
    for column, members in sorted(columns.items()):
        for row, task_id in enumerate(members):
            x, y = MARGIN + column * (NODE_W + COL_GAP), MARGIN + row * (NODE_H + ROW_GAP)
            places[task_id] = (x, y)
            node = by_id[task_id]
            css = "loop" if task_id in loop_body else "in-loop" if task_id in in_loop else ""
            detail = str(node["function"] or node["operator_type"] or "")
            # A loop's iterations are those of its body: the loop task itself commits once. The dashed box and
            # the arc back from its body already say it is a loop, so the count replaces the operator's name.
            rounds = max((iterations.get(body_id, 0) for body_id in loop_body.get(task_id, [])), default=0)
            if rounds:
                detail = f"{rounds} iterations"
            drawing.boxes.append(Box(task_id, detail, node["state"], x, y, f"#step-{task_id}", css))
    for edge in edges:
        if edge["from"] in places and edge["to"] in places:
            drawing.edges.append(_edge(places[edge["from"]], places[edge["to"]], edge["kind"]))
    for loop_id, body in loop_body.items():
        if loop_id in places and body and body[-1] in places:
            drawing.edges.append(_edge(places[body[-1]], places[loop_id], "loop"))
    bottom = max((y + NODE_H for _, y in places.values()), default=MARGIN)
    right = max((x + NODE_W for x, _ in places.values()), default=MARGIN)
    for task_id in ids:
        for branch in branches.get(task_id, []):
            lane_y = bottom + ROW_GAP + LANE_LABEL_H
            lane = _lane(branch, places[task_id][0] + LANE_INDENT, lane_y)
            drawing.lanes.append(lane)
            drawing.edges.append(_down_edge(places[task_id], (lane.x, lane_y)))
            for before, after in zip(lane.boxes, lane.boxes[1:], strict=False):  # a branch runs its tasks in order
                drawing.edges.append(_edge((before.x, before.y), (after.x, after.y), "dependency"))
            bottom = lane_y + NODE_H
            right = max(right, lane.x + len(lane.boxes) * (NODE_W + COL_GAP) - COL_GAP)
    drawing.width, drawing.height = right + MARGIN, bottom + MARGIN
    return drawing


def _lane(branch: Branch, x: int, y: int) -> Lane:
    run_href = f"/ui/runs/{branch.workflow_run_id}"
    label = f"{branch.name} · run {branch.workflow_run_id[:8]} · {branch.state}"
    boxes = [
        Box(
            step["task_id"],
            str(step["function"] or step["operator_type"] or ""),
            step["state"],
            x + i * (NODE_W + COL_GAP),
            y,
            f"{run_href}#step-{step['task_id']}",
            "branch",
        )
        for i, step in enumerate(branch.steps)
    ]
    if not boxes:  # a child workflow: the child run is the box
        boxes = [Box(branch.name, f"run {branch.workflow_run_id[:8]}", branch.state, x, y, run_href, "child")]
    return Lane(label, run_href, x, y, boxes)


def _depths(ids: list[str], edges: list[dict[str, str]]) -> dict[str, int]:
    """Each task's column: 0 without dependencies, else one more than its deepest dependency (cycles cut)."""
    parents: dict[str, list[str]] = {task_id: [] for task_id in ids}
    for edge in edges:
        if edge["to"] in parents and edge["from"] in parents:
            parents[edge["to"]].append(edge["from"])
    depth: dict[str, int] = {}

    def visit(task_id: str, path: frozenset[str]) -> int:
        if task_id not in depth:
            above = [visit(p, path | {task_id}) for p in parents[task_id] if p not in path]
            depth[task_id] = 1 + max(above) if above else 0
        return depth[task_id]

    for task_id in ids:
        visit(task_id, frozenset())
    return depth


def _loop_bodies(definition: dict[str, Any]) -> dict[str, list[str]]:
    tasks = definition.get("tasks") if isinstance(definition, dict) else None
    bodies: dict[str, list[str]] = {}
    for task_id, task in (tasks if isinstance(tasks, dict) else {}).items():
        body = task.get("loop_body") if isinstance(task, dict) else None
        if task.get("operator_type") in LOOP_OPERATORS and isinstance(body, list):
            bodies[task_id] = [str(item.get("task_id")) for item in body if isinstance(item, dict)]
    return bodies


def _edge(start: tuple[int, int], end: tuple[int, int], kind: str) -> dict[str, Any]:
    if kind == "loop":  # back from the body's last task to the loop: an arc over the boxes
        x1, y1 = start[0] + NODE_W // 2, start[1]
        x2, y2 = end[0] + NODE_W // 2, end[1]
        top = min(y1, y2) - 14
        return {"d": f"M{x1},{y1} C{x1},{top} {x2},{top} {x2},{y2}", "kind": kind, "lx": (x1 + x2) // 2, "ly": top}
    x1, y1 = start[0] + NODE_W, start[1] + NODE_H // 2
    x2, y2 = end[0], end[1] + NODE_H // 2
    if x2 <= x1:  # a handler or branch edge to a task in the same or an earlier column
        x1, x2 = start[0] + NODE_W // 2, end[0] + NODE_W // 2
        y1, y2 = start[1] + NODE_H, end[1]
        mid = (y1 + y2) // 2
        d = f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}"
    else:
        mid = (x1 + x2) // 2
        d = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
    return {"d": d, "kind": kind, "lx": (x1 + x2) // 2, "ly": (y1 + y2) // 2 - 4}


def _down_edge(start: tuple[int, int], lane: tuple[int, int]) -> dict[str, Any]:
    """From the bottom of a forking task down its left side, then right into the lane's first box."""
    x1, y1 = start[0] + LANE_INDENT // 2, start[1] + NODE_H
    y2 = lane[1] + NODE_H // 2
    return {"d": f"M{x1},{y1} V{y2} H{lane[0]}", "kind": "fork", "lx": x1, "ly": y2}
