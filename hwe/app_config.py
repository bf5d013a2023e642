"""An app version's configuration schema: a small, exact subset of JSON Schema, and the check of a configuration.

The subset is what an app's settings need: `type` (string, integer, number, boolean, object, array, null, or a
list of them), `properties`, `required`, `additionalProperties` (true or false), `items`, `enum`, `minimum`,
`maximum`, `minLength`, `maxLength`, `maxItems`, and the annotations `title`, `description` and `default`. A
schema with any other keyword is refused when the version is created, so what a schema says is always checked.
"""

from __future__ import annotations

import json
from typing import Any

from hwe import errors

_TYPES = {"string", "integer", "number", "boolean", "object", "array", "null"}
_KEYWORDS = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "maxItems",
    "title",
    "description",
    "default",
    "$schema",
}
MAX_SCHEMA_CHARS = 64 * 1024
MAX_CONFIG_CHARS = 64 * 1024


def check_schema(schema: Any, where: str = "configuration_schema") -> None:
    """Raises InvalidApp unless `schema` is a schema of the supported subset."""
    if where == "configuration_schema" and len(json.dumps(schema)) > MAX_SCHEMA_CHARS:
        raise errors.InvalidApp(f"configuration_schema is larger than {MAX_SCHEMA_CHARS} characters")
    if not isinstance(schema, dict):
        raise errors.InvalidApp(f"{where} must be a JSON Schema object")
    unknown = sorted(set(schema) - _KEYWORDS)
    if unknown:
        raise errors.InvalidApp(f"{where} uses {unknown[0]!r}, which app configuration schemas do not support")
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or not all(isinstance(t, str) and t in _TYPES for t in types):
        raise errors.InvalidApp(f"{where}.type must be one of {sorted(_TYPES)} or a list of them")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise errors.InvalidApp(f"{where}.properties must be an object")
    for name, sub in properties.items():
        check_schema(sub, f"{where}.properties.{name}")
    if "items" in schema:
        check_schema(schema["items"], f"{where}.items")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
        raise errors.InvalidApp(f"{where}.required must list property names")
    if not isinstance(schema.get("additionalProperties", True), bool):
        raise errors.InvalidApp(f"{where}.additionalProperties must be true or false")
    if "enum" in schema and not isinstance(schema["enum"], list):
        raise errors.InvalidApp(f"{where}.enum must be a list")
    for bound in ("minimum", "maximum"):
        if bound in schema and (not isinstance(schema[bound], int | float) or isinstance(schema[bound], bool)):
            raise errors.InvalidApp(f"{where}.{bound} must be a number")
    for bound in ("minLength", "maxLength", "maxItems"):
        if bound in schema and (not isinstance(schema[bound], int) or isinstance(schema[bound], bool)):
            raise errors.InvalidApp(f"{where}.{bound} must be an integer")


def check_configuration(configuration: Any, schema: dict[str, Any] | None) -> None:
    """Raises InvalidApp unless `configuration` is an object that satisfies `schema` (any object without one)."""
    if not isinstance(configuration, dict):
        raise errors.InvalidApp("configuration must be a JSON object")
    if len(json.dumps(configuration)) > MAX_CONFIG_CHARS:
        raise errors.InvalidApp(f"configuration is larger than {MAX_CONFIG_CHARS} characters")
    if schema is not None:
        problem = _problem(configuration, schema, "configuration")
        if problem is not None:
            raise errors.InvalidApp(problem)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), "unknown")


def _problem(value: Any, schema: dict[str, Any], where: str) -> str | None:
    """The first way `value` breaks `schema`, or None."""
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types
    kind = _type_of(value)
    if types and kind not in types and not (kind == "integer" and "number" in types):
        return f"{where} must be of type {' or '.join(types)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where} must be one of {json.dumps(schema['enum'])[:200]}"
    if kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where} must be at least {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where} must be at most {schema['maximum']}"
    if kind == "string":
        if len(value) < schema.get("minLength", 0):
            return f"{where} must have at least {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{where} must have at most {schema['maxLength']} characters"
    if kind == "array":
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return f"{where} must have at most {schema['maxItems']} items"
        for index, item in enumerate(value):
            problem = _problem(item, schema.get("items", {}), f"{where}[{index}]")
            if problem is not None:
                return problem
    if kind == "object":
        return _object_problem(value, schema, where)
    return None


def _object_problem(value: dict[str, Any], schema: dict[str, Any], where: str) -> str | None:
    properties: dict[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            return f"{where}.{name} is required"
    for name, item in value.items():
        if name in properties:
            problem = _problem(item, properties[name], f"{where}.{name}")
            if problem is not None:
                return problem
        elif schema.get("additionalProperties", True) is False:
            return f"{where}.{name[:100]} is not a setting of this app"
    return None
