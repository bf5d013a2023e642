"""What every operator of the interpreter shares: the frame it runs in and the outcome it reports.

A Frame is one graph being run (the workflow, or one loop iteration): the durable context, the
template scope (an iteration's own names layered over the run's), the step-name suffix that keeps
iterations apart (`body1[2]`) and the live task states a join reads. Used by `_dag`, `_nodes`,
`_control` and `_loops`; holds no logic beyond publishing a result into the scope and building a tool call.
"""

from __future__ import annotations

import types
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import trio

from hwe import durable, errors, task_logs, tools
from hwe.interpreter import _templating

if TYPE_CHECKING:
    from hwe.interpreter._plan import Step

TERMINAL = ("success", "failed", "skipped")
# How many tool calls of one run may run at once in a worker: a definition of 10,000 independent tasks
# must not start 10,000 processes. Each loop iteration shares its run's slots.
MAX_CONCURRENT_TOOL_CALLS = 32


@dataclass(frozen=True)
class Termination:
    """A terminate operator ended the run: with `status` completed, failed or cancelled."""

    task_id: str
    status: str
    result: Any
    reason: str


@dataclass(frozen=True)
class Outcome:
    """How one task ended: `success`, `failed` or `skipped`, with what the scheduler must know next."""

    state: str
    value: Any = None
    error: str | None = None
    chosen: tuple[str, ...] = ()
    termination: Termination | None = None
    suspend: errors.Suspend | None = None


@dataclass
class Frame:
    """One graph being run: the workflow itself (suffix "") or one iteration of a loop."""

    ctx: durable.DurableContext
    scope: ChainMap[str, Any]
    suffix: str = ""
    states: dict[str, str] = field(default_factory=dict)
    tool_slots: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(MAX_CONCURRENT_TOOL_CALLS))

    @property
    def top_level(self) -> bool:
        """True for the workflow's own tasks, whose steps count in the run's progress."""
        return self.suffix == ""

    def step_name(self, task_id: str) -> str:
        """The durable step name of a task in this frame: its id, plus the iteration for loop bodies."""
        return f"{task_id}{self.suffix}"

    def iteration(self, index: int, names: dict[str, Any]) -> Frame:
        """A frame for iteration `index` of a loop body, with `names` bound over this frame's scope."""
        return Frame(self.ctx, self.scope.new_child(names), f"{self.suffix}[{index}]", tool_slots=self.tool_slots)


async def record(frame: Frame, step: Step, value: Any, *, also: durable.Write | None = None) -> Any:
    """Commits `value` as the task's result: the step named after the task in this frame, published
    under its result_key and, for the workflow's own tasks, counted in the run's progress.

    `also` are writes committed with it (see `DurableContext.step`). Returns the committed value.
    """
    return await frame.ctx.step(
        frame.step_name(step.task_id),
        _same,
        value,
        result_key=step.result_key,
        advances_progress=frame.top_level,
        also=also,
    )


def _same(value: Any) -> Any:
    return value


def failed(task_id: str, err: BaseException | str) -> Outcome:
    """The outcome of a task that failed for good, with the message the run's error will carry."""
    return Outcome("failed", error=f"task {task_id!r} failed: {err}")


def publish(scope: ChainMap[str, Any], task_id: str, result_key: str | None, value: Any, *, variables: bool) -> None:
    """Makes a task's result visible to later templates.

    The task id is a fallback name in the innermost scope only (an iteration's results stay its
    own); a result_key and the variables a tool sets are written through to the run's scope, so a
    sequential loop's results are seen after it.
    """
    scope.maps[0].setdefault(task_id, value)
    if result_key:
        for names in scope.maps:
            names[result_key] = value
    if variables and isinstance(value, dict):
        for names in scope.maps:
            names.update(value)
        root = scope.maps[-1]
        root["inputs"] = {**root["inputs"], **value}


def sets_variables(function: str) -> bool:
    """True when the tool's result is a dict of run variables (tools.simple_counter.*)."""
    tool = tools.get(function)
    return tool is not None and tool.sets_variables


def tool_call(
    frame: Frame, step_name: str, function: str, args: list[Any], kwargs: dict[str, Any], scope: Mapping[str, Any]
) -> tuple[tools.Tool, tools.ToolCall]:
    """The tool `function` names and its call as step `step_name`, with args and kwargs rendered in `scope`."""
    tool = tools.get(function)
    if tool is None:
        raise errors.PermanentError(f"unknown tool {function!r}")
    run_id = str(frame.ctx.workflow_run_id)
    call = tools.ToolCall(
        args=_templating.render(list(args), scope),
        kwargs=_templating.render(dict(kwargs), scope),
        workflow_run_id=run_id,
        idempotency_key=f"{run_id}:{step_name}",
        environment={"HIGHWAY_WORKFLOW_RUN_ID": run_id, "HIGHWAY_IDEMPOTENCY_KEY": f"{run_id}:{step_name}"},
        variables=types.MappingProxyType(scope),  # read-only, and no copy per step
        context=frame.ctx,
        step_prefix=f"{step_name}/",
        tool_name=function,
        output=task_logs.Output(function),
    )
    return tool, call
