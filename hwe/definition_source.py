"""Python source (highway_dsl) that rebuilds a definition: what the API shows as a definition's Python DSL.

highway_dsl writes JSON and YAML but no Python, so this writes it from the JSON: a `Workflow(...)` with
one operator object per task, each given only the fields that differ from its class's defaults. Run
through the engine's `python_dsl` path (`sandbox.definition_from_python_dsl`) the source builds the
workflow whose `to_json()` is the definition as highway_dsl writes it. The source holds only literals
made with `repr` of JSON values, never text of the definition as code.
"""

from __future__ import annotations

import copy
import pprint
from typing import Any

import pydantic
from highway_dsl import Workflow

from hwe import errors

_INDENT = "    "


def python_source(definition: dict[str, Any]) -> str:
    """Returns highway_dsl Python source that rebuilds `definition` (assigned to `workflow`).

    Raises:
        InvalidWorkflow: highway_dsl cannot read the definition.
    """
    try:
        # highway_dsl's validators rewrite the dict they are given: they get a copy.
        workflow = Workflow.model_validate(copy.deepcopy(definition))
    except (pydantic.ValidationError, TypeError, ValueError) as err:
        raise errors.InvalidWorkflow(f"the definition cannot be read by highway_dsl: {err}") from err
    dumped = workflow.model_dump(mode="json")
    classes = sorted({type(task).__name__ for task in workflow.tasks.values()})
    lines = [
        f'"""Workflow {workflow.name!r}, version {workflow.version!r}: rebuilds its stored definition."""',
        "",
        f"from highway_dsl import {', '.join(['Workflow', *classes])}",
        "",
        "workflow = Workflow(",
    ]
    for field, value in _changed(Workflow, dumped, skip=("tasks",)).items():
        lines.append(f"{_INDENT}{field}={_literal(value, 1)},")
    lines.append(f"{_INDENT}tasks={{")
    for key, task in workflow.tasks.items():
        fields = _changed(type(task), dumped["tasks"][key], skip=())
        arguments = "".join(f"\n{_INDENT * 3}{name}={_literal(value, 3)}," for name, value in fields.items())
        lines.append(f"{_INDENT * 2}{key!r}: {type(task).__name__}({arguments}\n{_INDENT * 2}),")
    lines += [f"{_INDENT}}},", ")", ""]
    return "\n".join(lines)


def _changed(model: type[pydantic.BaseModel], dumped: dict[str, Any], *, skip: tuple[str, ...]) -> dict[str, Any]:
    """The fields of a dumped model that differ from their defaults (required ones always), in field order."""
    changed: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in skip or name not in dumped:
            continue
        value = dumped[name]
        if field.is_required() or value != _default(field):
            changed[name] = value
    return changed


def _default(field: Any) -> Any:
    if field.default_factory is not None:
        made = field.default_factory()
        return made.model_dump(mode="json") if isinstance(made, pydantic.BaseModel) else made
    default = field.default
    return default.model_dump(mode="json") if isinstance(default, pydantic.BaseModel) else default


def _literal(value: Any, depth: int) -> str:
    """A Python literal of a JSON value, wrapped under the argument it is given to."""
    text = pprint.pformat(value, width=100 - len(_INDENT) * depth, sort_dicts=False)
    return text.replace("\n", "\n" + _INDENT * depth)
