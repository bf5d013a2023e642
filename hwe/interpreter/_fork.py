"""The operators that start child runs: parallel, multi_choice, child_workflow and activity.

Called by `_nodes`. Each child is a run of its own with `parent_run_id` (see `hwe.children`),
created in the transaction that commits the operator's step, so it is created exactly once.
- parallel and multi_choice are fork-only: they start their `branch_workflows` (multi_choice
  only those whose condition holds) and complete at once with a handle that
  `tools.workflow.wait_for_parallel_branches` waits on.
- child_workflow starts the latest stored version of each named workflow and waits for all.
- activity starts its function as a one-task run and completes at once with
  `{activity_run_id, completion_event}`; the run emits that event when it finishes.
A branch inherits the parent's variables and results so far as its own variables.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hwe import children, db, definitions, errors, runs
from hwe.interpreter import _expressions, _frame, _templating
from hwe.interpreter._frame import Frame, Outcome
from hwe.interpreter._plan import Step

# Names of the parent's scope that describe the parent itself, not data a child should inherit.
_OWN_NAMES = ("inputs", "workflow_run_id", "workflow_id", "ENV")


async def run(frame: Frame, step: Step) -> Outcome:
    """Runs a parallel, multi_choice, child_workflow or activity operator."""
    kind = step.operator_type
    if kind == "child_workflow":
        return Outcome("success", await _child_workflows(frame, step))
    if kind == "activity":
        return Outcome("success", await _activity(frame, step))
    return Outcome("success", await _fork(frame, step))


async def _fork(frame: Frame, step: Step) -> Any:
    operator = step.operator
    chosen = list(operator.branch_workflows)
    if step.operator_type == "multi_choice":
        chosen = [
            name for name, branch in operator.branches.items() if _expressions.evaluate(branch.condition, frame.scope)
        ]
        if len(chosen) < operator.minimum_branches:
            raise errors.PermanentError(
                f"{len(chosen)} branch(es) matched, fewer than minimum_branches={operator.minimum_branches}"
            )
    # Filled by the step's body, which runs only until the step commits: a replay (the parent replays
    # after each wake while it waits for its branches) builds no child definition again.
    specs: dict[str, _ChildSpec] = {}

    def prepare() -> dict[str, Any]:
        inputs = dict(frame.scope.get("inputs", {}))
        for name in chosen:
            specs[name] = _ChildSpec(_branch_definition(operator.branch_workflows[name], frame.scope), inputs)
        return {
            "kind": step.operator_type,
            "branches": {
                name: {"workflow_run_id": spec.run_id, "task_ids": spec.task_ids} for name, spec in specs.items()
            },
            "skipped_branches": [name for name in operator.branch_workflows if name not in specs],
        }

    return await frame.ctx.step(
        frame.step_name(step.task_id),
        prepare,
        result_key=step.result_key,
        advances_progress=frame.top_level,
        also=functools.partial(_start_children, frame, specs),
    )


async def _child_workflows(frame: Frame, step: Step) -> Any:
    operator, ctx, name = step.operator, frame.ctx, frame.step_name(step.task_id)
    # Filled by the start step's body, which runs (reading the stored definitions) only until it
    # commits; a replay after that returns the committed ids and reads nothing.
    specs: dict[str, _ChildSpec] = {}

    async def prepare() -> dict[str, Any]:
        for branch, child in operator.children.items():
            specs[branch] = await _stored_child(frame, branch, child)
        return {branch: {"workflow_run_id": spec.run_id, "task_ids": spec.task_ids} for branch, spec in specs.items()}

    started = await ctx.step(f"{name}/start", prepare, also=functools.partial(_start_children, frame, specs))
    waiting = {branch: (child["workflow_run_id"], child["task_ids"]) for branch, child in started.items()}
    return await ctx.step(
        name,
        _collect,
        ctx,
        f"{name}/",
        waiting,
        operator.timeout_seconds,
        result_key=step.result_key,
        advances_progress=frame.top_level,
    )


async def _stored_child(frame: Frame, branch: str, child: dict[str, Any]) -> _ChildSpec:
    ctx = frame.ctx
    workflow_name = child.get("workflow_name")
    inputs = _templating.render(child.get("inputs") or {}, frame.scope)
    if not isinstance(workflow_name, str) or not isinstance(inputs, dict):
        raise errors.PermanentError(f"child {branch!r}: needs a workflow_name and inputs that are an object")
    try:
        stored = await ctx.read(definitions.get_definition_version, ctx.tenant_id, workflow_name)
    except errors.DefinitionNotFound as err:
        raise errors.PermanentError(f"child {branch!r}: {err}") from err
    return _ChildSpec(stored.definition, inputs)


async def _collect(ctx: Any, prefix: str, waiting: dict[str, tuple[str, list[str]]], timeout: float | None) -> Any:
    outcomes = await children.await_children(ctx, prefix, waiting, timeout)
    problem = children.unfinished(outcomes)
    if problem:
        raise errors.PermanentError(f"child workflow(s) did not complete: {problem}")
    return {
        branch: {"status": o["status"], "result": o["result"], "workflow_run_id": o["workflow_run_id"]}
        for branch, o in outcomes.items()
    }


async def _activity(frame: Frame, step: Step) -> Any:
    # The activity's own policies (retry, timeout, circuit breaker) travel with it into its run.
    operator = step.operator
    task = operator.model_dump(
        mode="json",
        exclude={"on_success_task_id", "on_failure_task_id", "result_key", "preconditions", "postconditions"},
    )
    task.update(
        operator_type="task",
        dependencies=[],
        trigger_rule="all_success",
        args=_templating.render(list(operator.args), frame.scope),
        kwargs=_templating.render(dict(operator.kwargs), frame.scope),
    )
    spec = _ChildSpec({"name": f"activity_{step.task_id}", "version": "1.0.0", "tasks": {step.task_id: task}}, {})
    handle = {
        "activity_run_id": spec.run_id,
        "workflow_run_id": spec.run_id,
        "completion_event": children.finished_event(spec.run_id),
        "status": "queued",
    }
    return await _frame.record(
        frame, step, handle, also=functools.partial(_start_children, frame, {step.task_id: spec})
    )


@dataclass(frozen=True)
class _ChildSpec:
    """A child run to start: its definition and inputs, and the id its parent's step records."""

    definition: dict[str, Any]
    inputs: dict[str, Any]
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def task_ids(self) -> list[str]:
        return list(self.definition.get("tasks") or {})


def _start_children(frame: Frame, specs: dict[str, _ChildSpec], _result: Any, conn: db.Connection) -> None:
    # Runs in the transaction that commits the step: exactly the children its result names.
    ctx = frame.ctx
    for spec in specs.values():
        try:
            runs.start_child_run(
                conn,
                ctx.tenant_id,
                ctx.queue_name,
                workflow_run_id=uuid.UUID(spec.run_id),
                parent_run_id=ctx.workflow_run_id,
                definition=spec.definition,
                inputs=spec.inputs,
                max_attempts=ctx.max_attempts,
            )
        except errors.InvalidWorkflow as err:
            raise errors.PermanentError(f"cannot start child run: {err}") from err


def _branch_definition(branch: Mapping[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    # A branch sees the parent's variables and results so far as its variables, and the parent's
    # inputs as its inputs; its own variables win.
    inherited = {key: value for key, value in scope.items() if key not in _OWN_NAMES}
    definition = dict(branch)
    definition["variables"] = {**inherited, **(branch.get("variables") or {})}
    return definition
