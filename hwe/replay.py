"""A run's recorded steps, and a definition simulated against them without side effects.

Simulation executes nothing: it walks the run's recorded task checkpoints in the order they committed
and, for each, asks what the simulated definition (the run's own, or another one given) would do at
that point with the same recorded results before it. It diverges at the first recorded step whose task
the definition does not have (`name`), whose task the definition gives another operator or tool
(`function`), that the definition would only run after a task not done by then (`order`), or whose
arguments, rendered from the run's inputs and the recorded results before it, differ from the run's
own definition's (`inputs`). Tasks the definition has and the run never reached are `pending_steps`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from hwe import db, errors, interpreter, runs
from hwe.interpreter import _templating

# The fields of a task that become what its tool is called with.
_INPUT_FIELDS = ("args", "kwargs")


@dataclass(frozen=True)
class RecordedStep:
    """One task attempt the run checkpointed: its task id, step name, position, status and value."""

    task_id: str
    step_name: str
    position: int
    status: str
    value: Any


def recorded_steps(checkpoints: list[db.Row], task_ids: set[str]) -> list[RecordedStep]:
    """The checkpoints that are attempts of a top-level task (`<task>` or `<task>#<attempt>`), in step order."""
    found = []
    for row in sorted(checkpoints, key=lambda r: (r["position"], r["created_at"], r["step_name"])):
        name = str(row["step_name"])
        base, sep, attempt = name.rpartition("#")
        task_id = base if sep and attempt.isdigit() else name
        if task_id in task_ids:  # inner steps, loop iterations, sleeps and waits have names of their own
            found.append(RecordedStep(task_id, name, row["position"], row["status"], row["state"]))
    return found


def replay_steps(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> dict[str, Any]:
    """The run's definition's tasks in plan order, each with whether (and how often) it was checkpointed.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    run = runs.get_run_record(conn, tenant_id, workflow_run_id)
    checkpoints = runs.list_run_checkpoints(conn, run["queue_name"], run["task_id"])
    tasks = _task_ids(run["definition"])
    recorded = recorded_steps(checkpoints, set(tasks))
    steps = []
    for task_id in tasks:
        mine = [step for step in recorded if step.task_id == task_id]
        steps.append(
            {
                "name": task_id,
                "has_checkpoint": bool(mine),
                "status": mine[-1].status if mine else None,
                "attempts": len(mine),
                "position": mine[0].position if mine else None,
            }
        )
    return {
        "workflow_run_id": str(run["workflow_run_id"]),
        "workflow_name": run["workflow_name"],
        "state": run["state"],
        "steps": steps,
        "total_checkpoints": len(checkpoints),
    }


def simulate(
    conn: db.Connection,
    tenant_id: str,
    workflow_run_id: uuid.UUID,
    definition: Any | None,
    resume_from: str | None,
) -> dict[str, Any]:
    """Simulates `definition` (the run's own when None) against the run's recorded steps; changes nothing.

    Raises:
        RunNotFound: no such run for this tenant.
        InvalidWorkflow: the given definition cannot run, or `resume_from` names no recorded step.
    """
    run = runs.get_run_record(conn, tenant_id, workflow_run_id)
    inputs = db.execute(conn, "get_run_inputs", {"workflow_run_id": workflow_run_id, "tenant_id": tenant_id})
    original = run["definition"]
    simulated = original if definition is None else definition
    plan = interpreter.check_new_definition(simulated) if definition is not None else interpreter.build_plan(original)
    checkpoints = runs.list_run_checkpoints(conn, run["queue_name"], run["task_id"])
    recorded = recorded_steps(checkpoints, set(_task_ids(original)) | set(_task_ids(simulated)))
    names = [step.task_id for step in recorded]
    if resume_from is not None and resume_from not in names:
        raise errors.InvalidWorkflow(f"field 'resume_from': {resume_from!r} is no recorded step of this run")
    skipped = names[: names.index(resume_from)] if resume_from is not None else []
    old_tasks, new_tasks = _tasks(original), _tasks(simulated)
    scope = _scope(plan.variables, inputs[0]["inputs"] if inputs else {}, str(workflow_run_id))
    steps = {step.task_id: step for step in plan.steps}
    done: set[str] = set()
    divergences: list[dict[str, Any]] = []
    executed: list[str] = []
    for index, step in enumerate(recorded):
        if index >= len(skipped):
            problem = _divergence(step, old_tasks, new_tasks, steps, done, scope)
            if problem is not None:
                divergences.append(problem)
                break
            executed.append(step.step_name)
        done.add(step.task_id)  # a failed attempt also ends a task for its dependents' trigger rules
        if step.status == "ok":
            _publish(scope, step, steps)
    pending = [task_id for task_id in new_tasks if task_id not in done and task_id not in names]
    return {
        "workflow_run_id": str(run["workflow_run_id"]),
        "workflow_name": plan.name,
        "definition": "run" if definition is None else "given",
        "simulation_status": "diverged" if divergences else "matches",
        "divergences": divergences,
        "executed_steps": executed,
        "pending_steps": pending,
        "resume_from": resume_from,
        "skipped_steps": skipped,
        "skipped_steps_count": len(skipped),
        "run_state": run["state"],
    }


def _divergence(
    step: RecordedStep,
    old_tasks: dict[str, dict[str, Any]],
    new_tasks: dict[str, dict[str, Any]],
    steps: dict[str, Any],
    done: set[str],
    scope: dict[str, Any],
) -> dict[str, Any] | None:
    def found(kind: str, message: str, **detail: Any) -> dict[str, Any]:
        return {"step": step.task_id, "step_name": step.step_name, "position": step.position, "kind": kind,
                "message": message, **detail}  # fmt: skip

    new, old = new_tasks.get(step.task_id), old_tasks.get(step.task_id) or {}
    if new is None or step.task_id not in steps:
        return found("name", f"the run recorded step {step.task_id!r}, which the definition does not have here")
    for field in ("operator_type", "function"):
        if new.get(field) != old.get(field):
            return found(
                "function",
                f"step {step.task_id!r}: {field} {new.get(field)!r} differs from the recorded {old.get(field)!r}",
                recorded=old.get(field),
                simulated=new.get(field),
            )
    waiting = [dep for dep in steps[step.task_id].dependencies if dep not in done]
    if waiting:
        return found(
            "order",
            f"step {step.task_id!r} ran before {', '.join(map(repr, waiting))}, which the definition makes it wait for",
            waiting_for=waiting,
        )
    recorded_inputs, simulated_inputs = _rendered(old, scope), _rendered(new, scope)
    if recorded_inputs != simulated_inputs:
        return found(
            "inputs",
            f"step {step.task_id!r} would be called with other arguments than recorded",
            recorded=recorded_inputs,
            simulated=simulated_inputs,
        )
    return None


def _rendered(task: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
    try:
        return {field: _templating.render(task.get(field), scope) for field in _INPUT_FIELDS}
    except errors.PermanentError as err:
        return {"error": str(err)}


def _scope(variables: dict[str, Any], inputs: dict[str, Any], run_id: str) -> dict[str, Any]:
    # As the interpreter starts a run: inputs over variables, then the run's own names.
    merged = {**variables, **inputs}
    return {**merged, "inputs": dict(merged), "workflow_run_id": run_id, "workflow_id": run_id, "ENV": {}}


def _publish(scope: dict[str, Any], step: RecordedStep, steps: dict[str, Any]) -> None:
    scope.setdefault(step.task_id, step.value)
    result_key = steps[step.task_id].result_key if step.task_id in steps else None
    if result_key:
        scope[result_key] = step.value


def _tasks(definition: Any) -> dict[str, dict[str, Any]]:
    tasks = definition.get("tasks") if isinstance(definition, dict) else None
    return {str(k): v for k, v in tasks.items() if isinstance(v, dict)} if isinstance(tasks, dict) else {}


def _task_ids(definition: Any) -> list[str]:
    return list(_tasks(definition))
