"""DataGuard checks: preconditions before a task runs, postconditions after it succeeded.

Called by `_nodes` for every operator. A failed guard raises PermanentError with the guard's
message, which fails the task like any tool error (its on_failure handler applies); a failed
precondition means the task never ran. Checks: exists, not_null, equals, not_equals, in_range,
matches_regex, type_check, in_set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from hwe import errors
from hwe.interpreter import _expressions, _templating

_MISSING = object()
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "string": (str,),
    "int": (int,),
    "integer": (int,),
    "float": (float, int),
    "number": (float, int),
    "bool": (bool,),
    "boolean": (bool,),
    "list": (list,),
    "array": (list,),
    "dict": (dict,),
    "object": (dict,),
}


def check(guards: Iterable[Any], scope: Mapping[str, Any], kind: str) -> None:
    """Checks each guard against `scope`; `kind` (precondition or postcondition) names it in the error.

    Raises:
        PermanentError: the first guard that does not hold, with its message.
    """
    for guard in guards:
        value = _resolve(str(guard.variable), scope)
        check_name = str(getattr(guard.check, "value", guard.check))
        if not _holds(check_name, value, guard.value):
            message = guard.message or f"{guard.variable} failed the {check_name} check"
            raise errors.PermanentError(f"{kind} not met: {message}")


def _resolve(variable: str, scope: Mapping[str, Any]) -> Any:
    # A guard names its value as a template ("{{kind.stdout}}") or as a bare path ("kind.stdout").
    template = variable if "{{" in variable else f"{{{{{variable}}}}}"
    try:
        return _templating.render(template, scope)
    except errors.PermanentError:
        return _MISSING


def _holds(check: str, value: Any, expected: Any) -> bool:
    if check == "exists":
        return value is not _MISSING
    if value is _MISSING:
        return False
    if check == "not_null":
        return value is not None
    if check in ("equals", "not_equals"):
        same = _expressions.coerce(value) == _expressions.coerce(expected)
        return same if check == "equals" else not same
    if check == "in_range":
        return _in_range(value, expected)
    if check == "matches_regex":
        return re.search(str(expected), _expressions.as_case(value)) is not None
    if check == "type_check":
        types = _TYPES.get(str(expected).lower())
        if types is None:
            raise errors.PermanentError(f"type_check: unknown type {expected!r}")
        return isinstance(value, types) and not (bool not in types and isinstance(value, bool))
    if check == "in_set":
        choices = expected if isinstance(expected, list) else [expected]
        return _expressions.coerce(value) in [_expressions.coerce(choice) for choice in choices]
    raise errors.PermanentError(f"unknown guard check {check!r}")


def _in_range(value: Any, bounds: Any) -> bool:
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise errors.PermanentError("in_range takes [min, max]")
    number = _expressions.coerce(value)
    if isinstance(number, str) or not isinstance(number, int | float):
        return False
    low, high = bounds
    return (low is None or number >= low) and (high is None or number <= high)
