"""The input schema of a definition, and inputs checked against it.

A highway_dsl definition declares no input schema of its own, so it is read from what the definition
uses: each of its `variables` is an optional input whose default is the variable's value (and whose JSON
type is that value's type), and each name its tasks read as `{{inputs.NAME}}` without a variable of that
name is a required input. Other inputs are allowed (a bare `{{NAME}}` may read them), so the schema
has `additionalProperties: true`.
"""

from __future__ import annotations

import re
from typing import Any

from hwe import db, definitions, tenants

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_INPUT_REFERENCE = re.compile(r"\{\{\s*inputs\.([^.{}\s]+)")
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int in Python
    (int, "number"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def input_schema(definition: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the inputs a definition reads."""
    variables = definition.get("variables") if isinstance(definition.get("variables"), dict) else {}
    properties: dict[str, Any] = {}
    for name, value in (variables or {}).items():
        prop: dict[str, Any] = {"default": value}
        kind = json_type(value)
        if kind is not None:
            prop["type"] = kind
        properties[str(name)] = prop
    referenced = sorted(_references(definition.get("tasks")))
    required = [name for name in referenced if name not in properties]
    properties.update({name: {} for name in required})
    return {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }


def validate_inputs(schema: dict[str, Any], inputs: Any) -> list[dict[str, str]]:
    """The problems of `inputs` against an input schema, each `{"field", "message"}`; empty when valid."""
    if not isinstance(inputs, dict):
        return [{"field": "", "message": "the inputs must be a JSON object"}]
    problems = [
        {"field": name, "message": f"the input {name!r} is required"}
        for name in schema.get("required", [])
        if name not in inputs
    ]
    for name, prop in schema.get("properties", {}).items():
        wanted = prop.get("type")
        if name in inputs and wanted is not None and json_type(inputs[name]) != wanted:
            got = json_type(inputs[name]) or "null"
            problems.append({"field": name, "message": f"the input {name!r} must be of type {wanted}, not {got}"})
    return problems


def json_type(value: Any) -> str | None:
    """The JSON Schema type name of a JSON value (numbers are `number`); None for null."""
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return None


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:  # no recursion: definitions may nest deeply
        item = stack.pop()
        if isinstance(item, str):
            found.update(_INPUT_REFERENCE.findall(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def schema_view(stored: definitions.StoredDefinition) -> dict[str, Any]:
    """A stored version with the input schema read from its definition, as the API shows a schema."""
    return {**definitions.view(stored), "input_schema": input_schema(stored.definition)}


def list_schemas(
    conn: db.Connection, tenant_id: str, name: str | None, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The latest version of each stored name with its input schema (with `name`: each version of it), one page."""
    if name is None:
        rows = definitions.list_latest_definitions(conn, tenant_id, limit=limit, offset=offset)
        return [{**schema_view(definitions.stored_of(row)), "versions": row["versions"]} for row in rows]
    rows = list_schema_versions(conn, tenant_id, name, limit=limit, offset=offset)
    return [schema_view(definitions.stored_of(row)) for row in rows]


def list_schema_versions(conn: db.Connection, tenant_id: str, name: str, *, limit: int, offset: int) -> list[db.Row]:
    """One page of the stored versions of one name, newest first, with their JSON."""
    return db.execute(
        conn, "list_schema_versions", {"tenant_id": tenant_id, "name": name, "limit": limit, "offset": offset}
    )


def get_schema(conn: db.Connection, tenant_id: str, name: str, version: int | None) -> dict[str, Any]:
    """The input schema of a stored version (the latest not deprecated when `version` is None).

    Raises:
        DefinitionNotFound: no such name or version.
    """
    return schema_view(definitions.get_definition_version(conn, tenant_id, name, version))


def validate_against(
    conn: db.Connection, tenant_id: str, name: str, version: int | None, inputs: Any
) -> dict[str, Any]:
    """Checks inputs against a stored version's input schema: `valid` and the `errors` found.

    Raises:
        DefinitionNotFound: no such name or version.
    """
    stored = definitions.get_definition_version(conn, tenant_id, name, version)
    problems = validate_inputs(input_schema(stored.definition), inputs)
    return {
        "workflow_name": stored.name,
        "version": stored.version,
        "definition_id": stored.content_hash,
        "valid": not problems,
        "errors": problems,
    }


def deprecate_version(
    conn: db.Connection, tenant_id: str, name: str, version: int, idempotency: tenants.Idempotency | None
) -> dict[str, Any]:
    """Deprecates a stored version (idempotent with a key); answers its schema view.

    Raises:
        DefinitionNotFound: no such name or version.
    """
    return definitions.once(
        conn,
        tenant_id,
        idempotency,
        lambda: schema_view(definitions.deprecate_definition_version(conn, tenant_id, name, version)),
    )
