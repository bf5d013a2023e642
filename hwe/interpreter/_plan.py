"""Turns a submitted definition into a validated Plan: the DAG of tasks the scheduler runs.

Called by `hwe.runs` at submission (a 400 names the task and field at fault) and again when a
run is executed. It decides which tasks are gated (switch and condition targets, on_success and
on_failure handlers) and which are loop-body copies; `_graph` checks references and cycles.
A valid definition is validated once per content: its Plan is cached by its canonical JSON (a bounded LRU),
so every submission and execution of the same definition in a process shares one Plan, which nobody may change.
It runs nothing.
"""

from __future__ import annotations

import collections
import copy
import json
import threading
from dataclasses import dataclass
from typing import Any

import pydantic
from highway_dsl import Workflow

from hwe import circuit, errors, fields, tools
from hwe.interpreter import _graph
from hwe.interpreter._graph import Gate

SUPPORTED_OPERATORS = (
    "task",
    "wait",
    "emit_event",
    "wait_for_event",
    "condition",
    "switch",
    "terminate",
    "join",
    "foreach",
    "while",
    "parallel",
    "multi_choice",
    "child_workflow",
    "activity",
    "reflexive",
)
LOOP_OPERATORS = ("foreach", "while")
# How many plans a process keeps, how many characters of definitions their keys may hold together, and the
# largest definition it caches (canonical JSON characters). A parallel of N branches takes about 3N + 2 entries
# (each branch checked inside its parent, created as a child and claimed as jsonb text): a cache smaller than
# what a workload cycles through misses on every look-up, so the count is generous and the characters bound memory.
PLAN_CACHE_SIZE = 4096
PLAN_CACHE_CHARS = 64_000_000
MAX_CACHED_DEFINITION_CHARS = 1_000_000


@dataclass(frozen=True)
class Retry:
    """How often a failing task is tried and how long to wait in between."""

    max_attempts: int
    delay_seconds: float
    backoff_factor: float

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return float(self.delay_seconds * self.backoff_factor ** (attempt - 1))


@dataclass(frozen=True)
class Step:
    """One DSL operator: its validated highway_dsl object, its edges and where its result goes."""

    task_id: str
    operator_type: str
    operator: Any
    result_key: str | None
    dependencies: tuple[str, ...]
    retry: Retry | None
    timeout_seconds: float | None = None
    trigger_rule: str = "all_success"
    gates: tuple[Gate, ...] = ()
    body: tuple[Step, ...] = ()
    circuit_breaker: circuit.CircuitPolicy | None = None


@dataclass(frozen=True)
class Plan:
    """A validated workflow: its scheduled (top-level) steps in an order that respects every dependency."""

    name: str
    version: str
    variables: dict[str, Any]
    steps: tuple[Step, ...]
    deadline_seconds: float | None = None
    deadline_action: str = "fail"


def check_new_definition(definition: Any) -> Plan:
    """`build_plan` plus what a definition submitted now must also satisfy: no unknown field, at least one task.

    Submission, stored definitions and schedules call this; running a stored run calls `build_plan` alone, so
    runs accepted by an earlier, more lenient release still execute after an upgrade.

    Raises:
        InvalidWorkflow: the definition cannot run, names a field no task takes, or has no task.
    """
    return _cached_plan(definition, strict=True)


def build_plan(definition: Any) -> Plan:
    """Validates a highway_dsl (or Driver SDK) definition into the DAG the scheduler runs.

    Raises:
        InvalidWorkflow: the definition is malformed; the message names the task and the field.
    """
    return _cached_plan(definition, strict=False)


def build_plan_from_json(text: str) -> Plan:
    """`build_plan` of a definition given as JSON text, as PostgreSQL returns a jsonb column (`definition::text`).

    jsonb prints one text for one content, so the text is the cache key as it comes, with no decoding on a hit.

    Raises:
        InvalidWorkflow: the definition is malformed; the message names the task and the field.
    """
    if len(text) > MAX_CACHED_DEFINITION_CHARS:
        return _build(json.loads(text))
    return _plan_of(text, False)


def _cached_plan(definition: Any, *, strict: bool) -> Plan:
    # The key is the definition's canonical JSON, which is also what a run stores and executes: the same
    # content gives the same Plan. Only valid definitions are cached (an error is not), and the tool
    # registry only grows, so a definition valid once stays valid.
    try:
        canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        canonical = None
    if canonical is None or len(canonical) > MAX_CACHED_DEFINITION_CHARS:
        return _check_new(definition) if strict else _build(definition)
    return _plan_of(canonical, strict)


class PlanCache:
    """The least recently used plans, bounded by their count and by their keys' characters together."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self._max_entries, self._max_chars = max_entries, max_chars
        self._plans: collections.OrderedDict[tuple[str, bool], Plan] = collections.OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()  # submissions, claims and child creation look up from several threads

    def get(self, key: tuple[str, bool]) -> Plan | None:
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
            return plan

    def put(self, key: tuple[str, bool], plan: Plan) -> None:
        with self._lock:
            if key in self._plans:
                return
            self._plans[key] = plan
            self._chars += len(key[0])
            while len(self._plans) > self._max_entries or self._chars > self._max_chars:
                (canonical, _), _ = self._plans.popitem(last=False)
                self._chars -= len(canonical)


_PLANS = PlanCache(PLAN_CACHE_SIZE, PLAN_CACHE_CHARS)


def _plan_of(canonical: str, strict: bool) -> Plan:
    plan = _PLANS.get((canonical, strict))
    if plan is None:
        definition = json.loads(canonical)
        plan = _check_new(definition) if strict else _build(definition)
        _PLANS.put((canonical, strict), plan)
    return plan


def _check_new(definition: Any) -> Plan:
    if isinstance(definition, dict):
        _check_text_fields(definition)
    if isinstance(definition, dict) and isinstance(definition.get("tasks", {}), dict):
        fields.check_definition(definition)
        if not definition.get("tasks"):
            raise errors.InvalidWorkflow("field 'tasks': a workflow needs at least one task")
    return _build(definition)


def _build(definition: Any) -> Plan:
    if not isinstance(definition, dict):
        raise errors.InvalidWorkflow("workflow_definition must be a JSON object")
    if not isinstance(definition.get("tasks", {}), dict):
        raise errors.InvalidWorkflow("field 'tasks': tasks must be a mapping of task id to task")
    definition = _normalize_driver_shapes(definition)
    workflow = _validate(definition)
    default_retry = _retry(workflow.default_retry_policy)
    for key, operator in workflow.tasks.items():
        if operator.task_id != key:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'task_id' is {operator.task_id!r}, not its key")
    internal = _graph.loop_owners(workflow.tasks)
    top = {key: op for key, op in workflow.tasks.items() if key not in internal}
    steps = _build_graph(top, set(workflow.tasks) | set(internal), internal, default_retry)
    return Plan(
        name=workflow.name,
        version=workflow.version,
        variables=dict(workflow.variables),
        steps=steps,
        deadline_seconds=workflow.deadline_seconds or _driver_timeout(definition),
        deadline_action=workflow.deadline_action,
    )


def _build_graph(
    operators: dict[str, Any], known: set[str], internal: dict[str, str], default_retry: Retry | None
) -> tuple[Step, ...]:
    """The Steps of one graph (the workflow's, or a loop body's) in dependency order."""
    gates = _graph.gates(operators)
    steps = {}
    for key, operator in operators.items():
        _check_operator(key, operator)
        body: tuple[Step, ...] = ()
        if operator.operator_type in LOOP_OPERATORS:
            body = _build_graph(_graph.body_operators(key, operator.loop_body), known, internal, default_retry)
        steps[key] = Step(
            task_id=key,
            operator_type=operator.operator_type,
            operator=operator,
            result_key=operator.result_key,
            dependencies=_dependencies(key, operator, operators, known, internal),
            retry=_retry(operator.retry_policy) or default_retry,
            timeout_seconds=operator.timeout_policy.timeout.total_seconds() if operator.timeout_policy else None,
            trigger_rule=str(getattr(operator.trigger_rule, "value", operator.trigger_rule)),
            gates=tuple(gates.get(key, ())),
            body=body,
            circuit_breaker=circuit.policy_of(key, operator),
        )
    _graph.check_references(operators)
    order = _graph.order({key: (*s.dependencies, *(g.source for g in s.gates)) for key, s in steps.items()})
    return tuple(steps[key] for key in order)


def _dependencies(
    key: str, operator: Any, operators: dict[str, Any], known: set[str], internal: dict[str, str]
) -> tuple[str, ...]:
    # Within a loop body, a dependency on the loop itself means "start of the iteration" and is
    # dropped; outside, a dependency on a body task means "after its loop", which ends last.
    dependencies: list[str] = []
    for named in operator.dependencies:
        if named not in known:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'dependencies' names {named!r}, which is not a task")
        if named == key:
            # What highway_dsl makes of a duplicate task() id: the second copy depends on itself.
            raise errors.InvalidWorkflow(
                f"task {key!r}: field 'dependencies' names the task itself (a dependency cycle, "
                "or a task id used twice)"
            )
        dependency = named if named in operators else internal.get(named, named)
        if dependency in operators and dependency != key and dependency not in dependencies:
            dependencies.append(dependency)
    return tuple(dependencies)


def _check_operator(key: str, operator: Any) -> None:
    if operator.operator_type not in SUPPORTED_OPERATORS:
        raise errors.InvalidWorkflow(
            f"task {key!r}: field 'operator_type': {operator.operator_type!r} is not supported by this "
            f"engine version (supported: {', '.join(SUPPORTED_OPERATORS)})"
        )
    if operator.operator_type in ("task", "activity"):
        # A task whose fields fit no task model may still parse as another operator (highway_dsl's union).
        function = getattr(operator, "function", None)
        if not isinstance(function, str):
            raise errors.InvalidWorkflow(f"task {key!r}: field 'function': a tool name (a string) is required")
        if tools.get(function) is None:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'function': unknown tool {function!r}")
    if operator.operator_type == "reflexive":
        for field in ("generator", "verifier"):
            if tools.get(getattr(operator, field)) is None:
                raise errors.InvalidWorkflow(
                    f"task {key!r}: field {field!r}: unknown tool {getattr(operator, field)!r}"
                )
    if operator.operator_type in _graph.FORK_OPERATORS:
        _check_branches(key, operator)
    if operator.operator_type == "child_workflow":
        _check_children(key, operator.children)
    if operator.operator_type == "foreach" and operator.dynamic:
        raise errors.InvalidWorkflow(
            f"task {key!r}: field 'dynamic': adding items to a running foreach is not supported; "
            "start a child workflow per new item instead"
        )
    if operator.operator_type == "while":
        cap = operator.metadata.get("max_iterations", 100)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'metadata.max_iterations': a positive integer")


def _check_branches(key: str, operator: Any) -> None:
    # Each branch is a workflow of its own, started as a child run: validate it now, so a bad
    # branch is a 400 at submission, not a failure halfway through the run.
    if operator.operator_type == "multi_choice":
        for name in operator.branches:
            if name not in operator.branch_workflows:
                raise errors.InvalidWorkflow(
                    f"task {key!r}: field 'branch_workflows' has no workflow for branch {name!r}"
                )
    if not operator.branch_workflows:
        raise errors.InvalidWorkflow(f"task {key!r}: field 'branch_workflows': at least one branch is needed")
    for name, branch in operator.branch_workflows.items():
        try:
            build_plan(branch)
        except errors.InvalidWorkflow as err:
            raise errors.InvalidWorkflow(f"task {key!r}: field 'branch_workflows.{name}': {err}") from err


def _check_children(key: str, children: dict[str, Any]) -> None:
    if not children:
        raise errors.InvalidWorkflow(f"task {key!r}: field 'children': at least one child is needed")
    for branch, child in children.items():
        if not isinstance(child, dict) or not isinstance(child.get("workflow_name"), str):
            raise errors.InvalidWorkflow(f"task {key!r}: field 'children.{branch}.workflow_name': a workflow name")
        if not isinstance(child.get("inputs", {}), dict):
            raise errors.InvalidWorkflow(f"task {key!r}: field 'children.{branch}.inputs': an object")


def _driver_timeout(definition: dict[str, Any]) -> float | None:
    # The Driver SDK sends a workflow-level timeout_seconds: a deadline that fails the run.
    value = definition.get("timeout_seconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise errors.InvalidWorkflow("field 'timeout_seconds': a positive number of seconds")
    return float(value)


def _normalize_driver_shapes(definition: dict[str, Any]) -> dict[str, Any]:
    # The Driver SDK writes retry_policy as {max_attempts, initial_interval_seconds,
    # backoff_coefficient} and a task's timeout as timeout_seconds; highway_dsl would silently
    # replace the first with its defaults and drop the second.
    tasks = definition.get("tasks")
    if not isinstance(tasks, dict):
        return definition
    normalized = copy.deepcopy(definition)
    for key, task in normalized["tasks"].items():
        if isinstance(task, dict) and task.get("timeout_seconds") is not None and not task.get("timeout_policy"):
            task["timeout_policy"] = {"timeout": task["timeout_seconds"], "kill_on_timeout": True}
        policy = task.get("retry_policy") if isinstance(task, dict) else None
        if isinstance(policy, dict) and "max_attempts" in policy:
            try:
                task["retry_policy"] = {
                    "max_retries": max(int(policy["max_attempts"]) - 1, 0),
                    "delay": float(policy.get("initial_interval_seconds", 1.0)),
                    "backoff_factor": float(policy.get("backoff_coefficient", 2.0)),
                }
            except (TypeError, ValueError) as err:
                raise errors.InvalidWorkflow(f"task {key!r}: field 'retry_policy': numbers expected") from err
    return normalized


def _retry(policy: Any) -> Retry | None:
    if policy is None:
        return None
    return Retry(
        max_attempts=1 + max(int(policy.max_retries), 0),
        delay_seconds=policy.delay.total_seconds(),
        backoff_factor=float(policy.backoff_factor),
    )


# Fields highway_dsl's own validators read as text before pydantic checks their type (a number there
# raises TypeError inside highway_dsl), so their type is checked first.
_TEXT_FIELDS = (("name", True), ("version", False))


def _validate(definition: dict[str, Any]) -> Workflow:
    # highway_dsl reports a bad task without its id, so each task is validated alone first, in a
    # one-task workflow, to name it. Its validators rewrite the dict they get, so they get copies.
    _check_text_fields(definition)
    tasks = definition.get("tasks")
    if isinstance(tasks, dict):
        for key, task in tasks.items():
            if not isinstance(task, dict):
                raise errors.InvalidWorkflow(f"task {key!r}: must be a JSON object")
            if not isinstance(task.get("operator_type", ""), str):
                raise errors.InvalidWorkflow(f"task {key!r}: field 'operator_type': a string is required")
            _validated(f"task {key!r}", {"name": "probe", "tasks": {key: copy.deepcopy(task)}})
    return _validated("workflow_definition", copy.deepcopy(definition))


def _check_text_fields(definition: dict[str, Any]) -> None:
    for field, required in _TEXT_FIELDS:
        value = definition.get(field)
        if not isinstance(value, str) and (required or field in definition):
            raise errors.InvalidWorkflow(f"field {field!r}: a string is required, not {_json_type(value)}")


def _validated(subject: str, definition: dict[str, Any]) -> Workflow:
    try:
        return Workflow.model_validate(definition)
    except pydantic.ValidationError as err:
        raise errors.InvalidWorkflow(_describe(err, subject)) from err
    except (TypeError, ValueError, AttributeError, KeyError) as err:
        # highway_dsl's own validators assume the types they read; a value of another type is the caller's error.
        raise errors.InvalidWorkflow(f"{subject}: a field has a value of the wrong type ({err})") from err


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _describe(err: pydantic.ValidationError, subject: str) -> str:
    problems = []
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"])
        problems.append(f"field {where!r}: {item['msg']}" if where else item["msg"])
    return f"{subject}: " + "; ".join(problems)
