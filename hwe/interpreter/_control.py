"""The branching operators: condition, switch, terminate and join.

Called by `_nodes`. A condition or switch checkpoints its decision (its step is named after its
task id) and reports the targets it chose in `Outcome.chosen`; `_dag` then skips the other
targets, and their successors by propagation. Terminate reports a Termination that ends the run;
a join turns the final states of its `join_tasks` into success or failure. None of them runs a tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwe.interpreter import _expressions, _frame, _templating
from hwe.interpreter._frame import Frame, Outcome, Termination
from hwe.interpreter._plan import Step


async def run(frame: Frame, step: Step) -> Outcome:
    """Runs a condition, switch, terminate or join operator."""
    kind = step.operator_type
    if kind == "condition":
        return await _condition(frame, step)
    if kind == "switch":
        return await _switch(frame, step)
    if kind == "terminate":
        return await _terminate(frame, step)
    return await _join(frame, step)


async def _condition(frame: Frame, step: Step) -> Outcome:
    operator = step.operator
    decision = await _decide(frame, step, _evaluate_condition, operator.condition, frame.scope, operator)
    target = decision["next"]
    return Outcome("success", decision, chosen=(target,) if target else ())


def _evaluate_condition(expression: str, scope: Mapping[str, Any], operator: Any) -> dict[str, Any]:
    result = _expressions.evaluate(expression, scope)
    return {"result": result, "next": operator.if_true if result else operator.if_false}


async def _switch(frame: Frame, step: Step) -> Outcome:
    operator = step.operator
    decision = await _decide(frame, step, _choose_case, operator.switch_on, frame.scope, operator)
    target = decision["next"]
    return Outcome("success", decision, chosen=(target,) if target else ())


def _choose_case(switch_on: Any, scope: Mapping[str, Any], operator: Any) -> dict[str, Any]:
    value = _expressions.as_case(_templating.render(switch_on, scope))
    cases = {str(key).strip(): target for key, target in operator.cases.items()}
    return {"value": value, "next": cases.get(value, operator.default)}


async def _terminate(frame: Frame, step: Step) -> Outcome:
    operator = step.operator
    status = str(getattr(operator.status, "value", operator.status))
    summary = {"status": status, "result": _templating.render(operator.result, frame.scope), "reason": operator.reason}
    recorded = await _frame.record(frame, step, summary)
    termination = Termination(step.task_id, recorded["status"], recorded["result"], recorded["reason"])
    return Outcome("success", recorded, termination=termination)


async def _join(frame: Frame, step: Step) -> Outcome:
    operator = step.operator
    states = {task_id: frame.states.get(task_id, "pending") for task_id in operator.join_tasks}
    mode = str(getattr(operator.join_mode, "value", operator.join_mode))
    held = join_holds(mode, states)
    summary = {"join_mode": mode, "states": states, "satisfied": held}
    recorded = await _frame.record(frame, step, summary)
    if not recorded["satisfied"]:
        return _frame.failed(step.task_id, f"join {mode} not satisfied by {recorded['states']}")
    return Outcome("success", recorded)


def join_ready(mode: str, states: Mapping[str, str]) -> bool:
    """True once the join can decide: every join task finished, or one already decides it."""
    values = list(states.values())
    if all(state in _frame.TERMINAL for state in values):
        return True
    if mode == "any_of":
        return any(state in ("success", "failed") for state in values)
    if mode == "one_success":
        return "success" in values
    if mode == "all_success":
        return any(state in ("failed", "skipped") for state in values)
    return False


def join_holds(mode: str, states: Mapping[str, str]) -> bool:
    """Whether the join succeeds over the final states it has seen."""
    values = list(states.values())
    if mode == "all_of":
        return all(state in _frame.TERMINAL for state in values)
    if mode == "any_of":
        return any(state in ("success", "failed") for state in values)
    if mode == "all_success":
        return all(state == "success" for state in values)
    return "success" in values


async def _decide(frame: Frame, step: Step, decide: Any, *args: Any) -> dict[str, Any]:
    # The decision is the step: evaluated once, replayed from its checkpoint after a crash or sleep.
    decision: dict[str, Any] = await frame.ctx.step(
        frame.step_name(step.task_id), decide, *args, result_key=step.result_key, advances_progress=frame.top_level
    )
    return decision
