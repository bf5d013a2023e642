"""Turns a submitted definition into a validated, ordered Plan."""

from __future__ import annotations

import copy
import graphlib
from dataclasses import dataclass
from typing import Any

import pydantic
from highway_dsl import Workflow

from hwe import errors, tools

SUPPORTED_OPERATORS = ("task",)


@dataclass(frozen=True)
class TaskStep:
    """One `task` operator: the tool to call and where its result goes."""

    task_id: str
    function: str
    args: list[Any]
    kwargs: dict[str, Any]
    result_key: str | None
    dependencies: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """A validated workflow: its steps in an order that respects every dependency."""

    name: str
    version: str
    variables: dict[str, Any]
    steps: tuple[TaskStep, ...]


def build_plan(definition: Any) -> Plan:
    """Validates a highway_dsl definition and orders its tasks.

    Raises:
        InvalidWorkflow: the definition is malformed; the message names the task and the field.
    """
    if not isinstance(definition, dict):
        raise errors.InvalidWorkflow("workflow_definition must be a JSON object")
    workflow = _validate(definition)

    steps = {}
    for key, operator in workflow.tasks.items():
        if operator.task_id != key:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'task_id' is {operator.task_id!r}, not its key")
        if operator.operator_type not in SUPPORTED_OPERATORS:
            raise errors.InvalidWorkflow(
                f"task {key!r}: field 'operator_type': {operator.operator_type!r} is not supported by this "
                f"engine version (supported: {', '.join(SUPPORTED_OPERATORS)})"
            )
        if tools.get(operator.function) is None:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'function': unknown tool {operator.function!r}")
        for dependency in operator.dependencies:
            if dependency not in workflow.tasks:
                raise errors.InvalidWorkflow(
                    f"task {key!r}: field 'dependencies' names {dependency!r}, which is not a task"
                )
        steps[key] = TaskStep(
            task_id=key,
            function=operator.function,
            args=list(operator.args),
            kwargs=dict(operator.kwargs),
            result_key=operator.result_key,
            dependencies=tuple(operator.dependencies),
        )
    return Plan(
        name=workflow.name,
        version=workflow.version,
        variables=dict(workflow.variables),
        steps=tuple(steps[task_id] for task_id in _order(steps)),
    )


def _validate(definition: dict[str, Any]) -> Workflow:
    # highway_dsl reports a bad task without its id, so each task is validated alone first, in a
    # one-task workflow, to name it. Its validators rewrite the dict they get, so they get copies.
    tasks = definition.get("tasks")
    if isinstance(tasks, dict):
        for key, task in tasks.items():
            if not isinstance(task, dict):
                raise errors.InvalidWorkflow(f"task {key!r}: must be a JSON object")
            try:
                Workflow.model_validate({"name": "probe", "tasks": {key: copy.deepcopy(task)}})
            except pydantic.ValidationError as err:
                raise errors.InvalidWorkflow(_describe(err, f"task {key!r}")) from err
    try:
        return Workflow.model_validate(copy.deepcopy(definition))
    except pydantic.ValidationError as err:
        raise errors.InvalidWorkflow(_describe(err, "workflow_definition")) from err


def _order(steps: dict[str, TaskStep]) -> list[str]:
    sorter = graphlib.TopologicalSorter({key: step.dependencies for key, step in steps.items()})
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as err:
        cycle = " -> ".join(err.args[1])
        raise errors.InvalidWorkflow(f"tasks form a dependency cycle: {cycle}") from err


def _describe(err: pydantic.ValidationError, subject: str) -> str:
    problems = []
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"])
        problems.append(f"field {where!r}: {item['msg']}" if where else item["msg"])
    return f"{subject}: " + "; ".join(problems)
