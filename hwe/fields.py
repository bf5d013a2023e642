"""Unknown fields, refused where they arrive: the one check of names that request bodies and
workflow definitions go through.

`unknown_fields` lists the keys of a mapping outside the allowed ones, each named with its path and,
when one is close, the field meant ("did you mean 'args'?"). The API calls it on every JSON body;
`check_definition` (called by the interpreter's `build_plan`) walks a highway_dsl definition through
the DSL's own models: workflow, tasks, policies, guards, loop bodies, branches and children. Every
field a DSL model declares is allowed, so whatever the DSL serializes passes, and so do the Driver
SDK's own keys. Free-form values (variables, kwargs, metadata, payloads) are not walked, and
besides names only the few values the engine would otherwise ignore are refused here (`_REFUSED_VALUES`):
other types and values are the interpreter's business.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import pydantic
from highway_dsl import RetryPolicy, Workflow

from hwe import errors

# What the Driver SDK (highway 0.9.1) writes beside highway_dsl's own fields; the interpreter reads them.
_DRIVER_WORKFLOW_FIELDS = frozenset({"timeout_seconds"})
_DRIVER_TASK_FIELDS = frozenset({"timeout_seconds"})
_DRIVER_RETRY_FIELDS = frozenset({"max_attempts", "initial_interval_seconds", "backoff_coefficient"})
# CircuitBreakerPolicy.model_dump writes its duration in seconds under this name, and reads it back.
_SERIALIZED_ALIASES = {"CircuitBreakerPolicy": frozenset({"isolation_duration_seconds"})}
# A child_workflow child is a plain object in the DSL: {workflow_name, inputs}.
_CHILD_FIELDS = ("workflow_name", "inputs")
# Fields typed as free-form objects in the DSL that hold a whole workflow definition each.
_WORKFLOW_MAPS = frozenset({"branch_workflows"})
# Values a DSL model accepts that the engine does not honour: refused, so no option is silently ignored.
# (model, field) -> (does the value mean the refused one, why).
_REFUSED_VALUES: dict[tuple[str, str], tuple[Callable[[Any], bool], str]] = {
    ("TimeoutPolicy", "kill_on_timeout"): (
        lambda value: _as_bool(value) is False,
        "false is not supported: a timed-out task is always killed, since a process left running would "
        "outlive the lease that accounts for it; remove the field or set it to true",
    ),
}


def unknown_fields(mapping: Mapping[str, Any], allowed: Iterable[str], where: str = "") -> list[str]:
    """One sentence per key of `mapping` that is not in `allowed`, in key order.

    Args:
        mapping: the object whose keys are checked.
        allowed: the names it may have.
        where: the path of `mapping` in its document (`tasks.greet`), or "" for the top level.
    """
    names = sorted(set(allowed))
    problems = []
    for key in mapping:
        if key in names:
            continue
        path = f"{where}.{key}" if where else str(key)
        close = difflib.get_close_matches(str(key), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; the fields here are {', '.join(names)}"
        problems.append(f"unknown field {path!r}{hint}")
    return problems


def check_body(body: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Refuses a request body with a field outside `allowed`.

    Raises:
        InvalidRequest: code `unknown_field`; the message names each unknown field.
    """
    problems = unknown_fields(body, allowed)
    if problems:
        raise errors.InvalidRequest("unknown_field", "; ".join(problems))


def check_definition(definition: Any) -> None:
    """Refuses a workflow definition with a field that no DSL model (nor the Driver SDK) declares, or with a
    value the engine would not honour (`timeout_policy.kill_on_timeout: false`).

    Raises:
        InvalidWorkflow: the message names each unknown or refused field with its path (`tasks.greet.agrs`).
    """
    problems = _workflow(definition, "")
    if problems:
        raise errors.InvalidWorkflow("; ".join(problems))


def _workflow(value: Any, where: str) -> list[str]:
    if not isinstance(value, Mapping):
        return []  # not an object: the interpreter says so
    problems = unknown_fields(value, _allowed(Workflow) | _DRIVER_WORKFLOW_FIELDS, where)
    tasks = value.get("tasks")
    if isinstance(tasks, Mapping):
        for key, task in tasks.items():
            problems += _operator(task, _join(where, f"tasks.{key}"))
    for name in set(Workflow.model_fields) - {"tasks"}:
        if name in value:
            problems += _value(value[name], Workflow.model_fields[name].annotation, _join(where, name), name)
    return problems


def _operator(value: Any, where: str) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    model = _OPERATORS.get(str(value.get("operator_type", "task")))
    if model is None:
        return []  # an unknown operator type: the interpreter names it
    return _model(value, model, where, _DRIVER_TASK_FIELDS)


def _model(value: Any, model: type[pydantic.BaseModel], where: str, extra: frozenset[str] = frozenset()) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    extra |= _SERIALIZED_ALIASES.get(model.__name__, frozenset())
    if model is RetryPolicy:
        extra |= _DRIVER_RETRY_FIELDS
    problems = unknown_fields(value, _allowed(model) | extra, where)
    for name, field in model.model_fields.items():
        refused = _REFUSED_VALUES.get((model.__name__, name))
        if refused is not None and name in value and refused[0](value[name]):
            problems.append(f"field {f'{where}.{name}'!r}: {refused[1]}")
        if name in value:
            problems += _value(value[name], field.annotation, f"{where}.{name}", name)
    return problems


def _value(value: Any, annotation: Any, where: str, name: str) -> list[str]:
    """The problems of one field's value, found by following its type to the models inside it."""
    if name in _WORKFLOW_MAPS and isinstance(value, Mapping):
        return [problem for key, branch in value.items() for problem in _workflow(branch, f"{where}.{key}")]
    if name == "children" and isinstance(value, Mapping):
        return [p for key, child in value.items() if isinstance(child, Mapping) for p in _child(child, where, key)]
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        models = [arg for arg in arguments if _is_model(arg)]
        if len(models) > 1:  # a union of operators (a loop body's item): the operator type decides
            return _operator(value, where)
        return _value(value, models[0], where, name) if models else []
    if origin is list and arguments and isinstance(value, list):
        items = {f"{where}[{index}]": item for index, item in enumerate(value)}
        return [problem for path, item in items.items() for problem in _value(item, arguments[0], path, name)]
    if origin is dict and len(arguments) == 2 and isinstance(value, Mapping):
        items = {f"{where}.{key}": item for key, item in value.items()}
        return [problem for path, item in items.items() for problem in _value(item, arguments[1], path, name)]
    if _is_model(annotation):
        return _model(value, annotation, where)
    return []


def _child(child: Mapping[str, Any], where: str, key: str) -> list[str]:
    return unknown_fields(child, _CHILD_FIELDS, f"{where}.{key}")


def _as_bool(value: Any) -> bool | None:
    # As the DSL model will read it (pydantic's lax bool: "false", 0, "no" are False), or None if not a bool.
    try:
        return _BOOL.validate_python(value)
    except pydantic.ValidationError:
        return None


_BOOL = pydantic.TypeAdapter(bool)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def _allowed(model: type[pydantic.BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields) | {field.alias for field in model.model_fields.values() if field.alias}


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _operator_models() -> dict[str, type[pydantic.BaseModel]]:
    # Each operator class of the DSL declares its operator_type as a default; the task union lists them all.
    union = typing.get_args(Workflow.model_fields["tasks"].annotation)[1]
    found = {}
    for model in typing.get_args(union):
        default = model.model_fields["operator_type"].default
        found[str(getattr(default, "value", default))] = model
    return found


_OPERATORS = types.MappingProxyType(_operator_models())
