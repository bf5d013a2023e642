"""Resolves `{{path}}` templates in task arguments against the run's scope.

A string that is exactly one template keeps the value's type; templates inside a longer string
are replaced by the value's text (JSON for lists and objects). A path that names nothing fails
the task with a PermanentError that names the template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from hwe import errors

_TEMPLATE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def render(value: Any, scope: Mapping[str, Any]) -> Any:
    """Returns `value` with every template in its strings, lists and dicts resolved."""
    if isinstance(value, str):
        return _render_string(value, scope)
    if isinstance(value, list):
        return [render(item, scope) for item in value]
    if isinstance(value, dict):
        return {key: render(item, scope) for key, item in value.items()}
    return value


def _render_string(text: str, scope: Mapping[str, Any]) -> Any:
    whole = _TEMPLATE.fullmatch(text)
    if whole is not None:
        return _lookup(whole.group(1), scope)
    return _TEMPLATE.sub(lambda match: _as_text(_lookup(match.group(1), scope)), text)


def _lookup(path: str, scope: Mapping[str, Any]) -> Any:
    head, *rest = path.split(".")
    if head not in scope:
        raise errors.PermanentError(f"template {{{{{path}}}}} names nothing in the run's context")
    value = scope[head]
    for part in rest:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise errors.PermanentError(f"template {{{{{path}}}}}: {part!r} is not found in the value")
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)
