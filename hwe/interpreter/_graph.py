"""The shape checks of a definition's task graph, for `_plan`: loop bodies, gates, references, cycles.

highway_dsl checks none of these (see the DSL notes §1.9), so a definition that names a missing
switch target or loops back on itself is refused here, at submission, with the task and field.
Pure functions over highway_dsl operator objects; nothing here runs a task.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hwe import errors


@dataclass(frozen=True)
class Gate:
    """Why a task waits for another's decision: `branch` (switch/condition), `on_success`, `on_failure`."""

    source: str
    kind: str


FORK_OPERATORS = ("parallel", "multi_choice")


def loop_owners(tasks: Mapping[str, Any]) -> dict[str, str]:
    """Maps every loop-body task id to the id of its top-level loop; they are never scheduled on their own.

    A loop's `loop_body` lists the tasks of loops nested in it too, and every body task also sits
    at the top level flagged `is_internal_loop_task`.

    Raises:
        InvalidWorkflow: a body task id is used twice (in two loops, or by an ordinary task).
    """
    owners: dict[str, str] = {}
    for key, operator in tasks.items():
        if operator.is_internal_loop_task:
            continue
        for body_task in getattr(operator, "loop_body", None) or ():
            if body_task.task_id in owners:
                raise errors.InvalidWorkflow(
                    f"task {key!r}: field 'loop_body': task id {body_task.task_id!r} is used twice"
                )
            owners[body_task.task_id] = key
    for key, operator in tasks.items():
        if key in owners and not operator.is_internal_loop_task:
            raise errors.InvalidWorkflow(f"task {key!r}: its id is used twice (also in the loop {owners[key]!r})")
        if operator.is_internal_loop_task and key not in owners:
            owners[key] = ""  # a copy whose loop lists it under another id: never scheduled either
    return owners


def body_operators(loop_id: str, loop_body: list[Any]) -> dict[str, Any]:
    """The tasks one iteration of a loop schedules: its body less the bodies of loops nested in it.

    Raises:
        InvalidWorkflow: a task id appears twice in the body.
    """
    nested = {inner.task_id for op in loop_body for inner in (getattr(op, "loop_body", None) or ())}
    operators: dict[str, Any] = {}
    for op in loop_body:
        if op.task_id in operators:
            raise errors.InvalidWorkflow(f"task {loop_id!r}: field 'loop_body': task id {op.task_id!r} is used twice")
        if op.task_id not in nested:
            operators[op.task_id] = op
    return operators


def gates(operators: Mapping[str, Any]) -> dict[str, list[Gate]]:
    """Which tasks wait for another's decision before they may run, and why."""
    found: dict[str, list[Gate]] = {}
    for key, operator in operators.items():
        for target in _branch_targets(operator):
            found.setdefault(target, []).append(Gate(key, "branch"))
        if operator.on_success_task_id:
            found.setdefault(operator.on_success_task_id, []).append(Gate(key, "on_success"))
        if operator.on_failure_task_id:
            found.setdefault(operator.on_failure_task_id, []).append(Gate(key, "on_failure"))
    return found


def check_references(operators: Mapping[str, Any]) -> None:
    """Checks that every switch, condition, join and handler target is a task of the same graph.

    A join may also name the tasks of a parallel's (or multi_choice's) branch workflows: it judges
    them after `tools.workflow.wait_for_parallel_branches` reported their final states.

    Raises:
        InvalidWorkflow: names the task, the field and the missing target.
    """
    branch_tasks = {
        task_id
        for operator in operators.values()
        if operator.operator_type in FORK_OPERATORS
        for branch in operator.branch_workflows.values()
        for task_id in branch.get("tasks") or {}
    }
    for key, operator in operators.items():
        for field, targets in _references(operator):
            for target in targets:
                if field == "join_tasks" and target in branch_tasks:
                    continue
                if target not in operators:
                    raise errors.InvalidWorkflow(f"task {key!r}: field {field!r} names {target!r}, which is not a task")
                if target == key:
                    raise errors.InvalidWorkflow(f"task {key!r}: field {field!r} names the task itself")


def order(edges: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The tasks in an order where each comes after everything it depends on or is gated by.

    Raises:
        InvalidWorkflow: the tasks form a cycle; the message shows it.
    """
    sorter = graphlib.TopologicalSorter(edges)
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as err:
        cycle = " -> ".join(err.args[1])
        raise errors.InvalidWorkflow(f"tasks form a dependency cycle: {cycle}") from err


def _branch_targets(operator: Any) -> list[str]:
    if operator.operator_type == "switch":
        targets = list(operator.cases.values())
        return [*targets, operator.default] if operator.default else targets
    if operator.operator_type == "condition":
        return [target for target in (operator.if_true, operator.if_false) if target]
    return []


def _references(operator: Any) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    if operator.operator_type == "switch":
        found.append(("cases", list(operator.cases.values())))
        found.append(("default", [operator.default] if operator.default else []))
    elif operator.operator_type == "condition":
        found.append(("if_true", [operator.if_true] if operator.if_true else []))
        found.append(("if_false", [operator.if_false] if operator.if_false else []))
    elif operator.operator_type == "join":
        found.append(("join_tasks", list(operator.join_tasks)))
    found.append(("on_success_task_id", [operator.on_success_task_id] if operator.on_success_task_id else []))
    found.append(("on_failure_task_id", [operator.on_failure_task_id] if operator.on_failure_task_id else []))
    return found
