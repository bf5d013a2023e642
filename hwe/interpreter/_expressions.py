"""Evaluates condition expressions (`{{counter}} < 3`, `{{s.stdout}} == '200'`) safely, never with eval.

Each template becomes a name bound to its value (a quoted template to its text), and simpleeval
evaluates the expression: comparisons, and/or/not, literals, a few conversions. Strings are
trimmed (a command's stdout ends in a newline) and compared as numbers when both sides look
numeric; a bare unknown name is its own text. Used by condition, while and switch operators.
An expression has no attribute access (no methods such as `'a'.ljust(10**9)`), no `%` formatting of text,
and at most MAX_EXPRESSION_CHARS characters, so none can build a huge value or exhaust the parser.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import simpleeval  # type: ignore[import-untyped]

from hwe import errors
from hwe.interpreter import _templating

_QUOTED_TEMPLATE = re.compile(r"""(['"])\{\{\s*([^{}]+?)\s*\}\}\1""")
_TEMPLATE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_FALSE_WORDS = ("", "false", "0", "no", "none", "null")
_FUNCTIONS: dict[str, Callable[..., Any]] = {"int": int, "float": float, "str": str, "len": len}
MAX_EXPRESSION_CHARS = 4096


def evaluate(expression: str, scope: Mapping[str, Any]) -> bool:
    """Resolves the templates of `expression` in `scope` and evaluates it to a truth value.

    Raises:
        PermanentError: a template names nothing, or the expression is not a safe expression.
    """
    names: dict[str, Any] = {}

    def bind(value: Any) -> str:
        name = f"_hw_value_{len(names)}"
        names[name] = value.strip() if isinstance(value, str) else value
        return name

    if len(expression) > MAX_EXPRESSION_CHARS:
        raise errors.PermanentError(
            f"cannot evaluate the condition: it is longer than {MAX_EXPRESSION_CHARS} characters"
        )
    text = _QUOTED_TEMPLATE.sub(
        lambda m: bind(_as_text(_templating.render(f"{{{{{m.group(2)}}}}}", scope))), expression
    )
    text = _TEMPLATE.sub(lambda m: bind(_templating.render(f"{{{{{m.group(1)}}}}}", scope)), text)
    evaluator = simpleeval.SimpleEval(operators=_operators(), functions=_FUNCTIONS, names=_namer(names))
    del evaluator.nodes[ast.Attribute]
    try:
        value = evaluator.eval(text.strip())
    except ValueError as err:
        # int() and float() quote the text they could not convert, which may be a secret: never repeat it.
        raise errors.PermanentError("cannot evaluate the condition: ValueError: a value is not a number") from err
    except (simpleeval.InvalidExpression, SyntaxError, TypeError, ZeroDivisionError) as err:
        raise errors.PermanentError(f"cannot evaluate the condition: {type(err).__name__}: {err}") from err
    except (RecursionError, MemoryError) as err:  # nesting too deep for the parser, within the length limit
        raise errors.PermanentError("cannot evaluate the condition: it is nested too deeply") from err
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS
    return bool(value)


def as_case(value: Any) -> str:
    """The text a switch compares with its case keys: trimmed text, JSON for anything else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True)


def coerce(value: Any) -> Any:
    """A numeric-looking string as its number; other strings trimmed; anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            continue
    return text


def _namer(names: dict[str, Any]) -> Callable[[ast.Name], Any]:
    # An unknown bare name is text, as in highway_core: `{{kind.stdout}} == csv` compares with "csv".
    def lookup(node: ast.Name) -> Any:
        return names.get(node.id, node.id)

    return lookup


def _compare(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def coerced(left: Any, right: Any) -> bool:
        left_value, right_value = coerce(left), coerce(right)
        if isinstance(left_value, str) != isinstance(right_value, str):
            # One side is not a number: compare as text, so '200' == 200 but 'abc' != 200.
            left_value, right_value = _as_text(left), _as_text(right)
        return compare(left_value, right_value)

    return coerced


def _operators() -> dict[type, Callable[..., Any]]:
    operators: dict[type, Callable[..., Any]] = dict(simpleeval.DEFAULT_OPERATORS)
    for node, compare in (
        (ast.Eq, operator.eq),
        (ast.NotEq, operator.ne),
        (ast.Lt, operator.lt),
        (ast.LtE, operator.le),
        (ast.Gt, operator.gt),
        (ast.GtE, operator.ge),
    ):
        operators[node] = _compare(compare)
    operators[ast.Mod] = _modulo
    return operators


def _modulo(left: Any, right: Any) -> Any:
    # `'%999999999d' % 1` would build a gigabyte of text: only numbers take a remainder.
    if isinstance(left, str | bytes):
        raise simpleeval.FeatureNotAvailable("% formatting of text is not available")
    return operator.mod(left, right)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return as_case(value)
