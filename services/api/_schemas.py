"""Routes of schemas: the input schemas of stored workflow definitions, by name and version.

A definition declares no input schema of its own: `hwe.input_schemas` reads one from what it uses (its
variables are optional inputs with defaults, each `{{inputs.NAME}}` without a variable is required).
"""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import definitions, errors, input_schemas
from services.api import _changes, _definitions, _query, _state

MAX_PAGE = 200
MAX_OFFSET = 100_000

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
WorkflowSchema:
  allOf:
    - $ref: '#/components/schemas/DefinitionVersion'
    - type: object
      required: [input_schema]
      properties:
        input_schema: {type: object, description: 'JSON Schema (2020-12) of the inputs the definition reads'}
        versions: {type: integer, description: in the list without workflow_name, how many versions the name has}
WorkflowSchemaList:
  type: object
  required: [items, limit, offset]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/WorkflowSchema'}}
    limit: {type: integer}
    offset: {type: integer}
SchemaStats:
  type: object
  required: [workflows, versions, deprecated_versions, last_stored_at]
  properties:
    workflows: {type: integer, description: stored definition names}
    versions: {type: integer}
    deprecated_versions: {type: integer}
    last_stored_at: {type: [string, 'null'], format: date-time}
ValidateInputsRequest:
  type: object
  required: [input_data]
  additionalProperties: false
  properties:
    input_data: {type: object, description: the inputs to check}
    version:
      description: the stored version (default the latest not deprecated)
      oneOf:
        - {type: integer, minimum: 1, maximum: 2147483647}
        - {type: string, pattern: '^[0-9]{1,10}$'}
InputValidation:
  type: object
  required: [workflow_name, version, definition_id, valid, errors]
  properties:
    workflow_name: {type: string}
    version: {type: integer}
    definition_id: {type: string}
    valid: {type: boolean}
    errors:
      type: array
      items:
        type: object
        required: [field, message]
        properties:
          field: {type: string}
          message: {type: string}
""")


async def list_schemas(request: Request) -> Response:
    """Lists the input schemas of the latest version of each stored name, by name; with `workflow_name`,
    of each version of that name, newest first.

    ---
    tags: [schemas]
    x-role: viewer
    parameters:
      - {name: workflow_name, in: query, schema: {type: string, minLength: 1, maxLength: 255}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 100000, default: 0}}
    responses:
      200: {description: one page of schemas, x-data: WorkflowSchemaList}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("workflow_name", "limit", "offset"))
    name = _query.text(query, "workflow_name", _definitions.MAX_NAME_CHARS)
    limit = _query.integer(query, "limit", 50, 1, MAX_PAGE)
    offset = _query.integer(query, "offset", 0, 0, MAX_OFFSET)
    items = await _state.get(request).call(_list, principal.tenant_id, name, limit, offset)
    return _state.success({"items": items, "limit": limit, "offset": offset})


def _list(conn: Any, tenant_id: str, name: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    return input_schemas.list_schemas(conn, tenant_id, name, limit=limit, offset=offset)


async def schema_stats(request: Request) -> Response:
    """Counts the tenant's stored definitions: names, versions and deprecated versions.

    ---
    tags: [schemas]
    x-role: viewer
    responses:
      200: {description: the counts, x-data: SchemaStats}
    """
    principal = await _state.authenticate(request, require="viewer")
    _query.query(request, ())
    row = await _state.get(request).call(definitions.definition_stats, principal.tenant_id)
    last = row["last_stored_at"]
    return _state.success(
        {
            "workflows": row["workflows"],
            "versions": row["versions"],
            "deprecated_versions": row["deprecated_versions"],
            "last_stored_at": None if last is None else last.isoformat(),
        }
    )


async def get_schema(request: Request) -> Response:
    """The input schema of a stored definition: its latest version not deprecated, or `?version=`.

    ---
    tags: [schemas]
    x-role: viewer
    parameters:
      - {name: version, in: query, schema: {type: integer, minimum: 1, maximum: 2147483647}}
    responses:
      200: {description: the schema, x-data: WorkflowSchema}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("version",))
    version = _query.integer(query, "version", 1, 1, _definitions.MAX_VERSION) if "version" in query else None
    name = request.path_params["workflow_name"]
    schema = await _state.get(request).call(input_schemas.get_schema, principal.tenant_id, name, version)
    return _state.success(schema)


async def validate_inputs(request: Request) -> Response:
    """Checks inputs against a stored definition's input schema (its latest version, or `version`).

    Answers 200 with `valid` and the `errors` found (each names its input): invalid inputs are a result,
    not a refused request. Changes nothing.
    ---
    tags: [schemas]
    x-role: viewer
    x-body: ValidateInputsRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the result, x-data: InputValidation}
    """
    principal = await _state.authenticate(request, require="viewer")
    body = await _state.read_json_object(request, ("input_data", "version"))
    if not isinstance(body.get("input_data"), dict):
        raise errors.InvalidRequest("invalid_field", "'input_data' must be a JSON object of the inputs to check")
    version = _body_version(body.get("version"))
    idempotency = _state.idempotency(request, "validate_inputs", body)
    name = request.path_params["workflow_name"]
    answer = await _state.get(request).call(
        _validate, principal.tenant_id, name, version, body["input_data"], idempotency
    )
    return _state.success(answer)


def _validate(conn: Any, tenant_id: str, name: str, version: int | None, inputs: Any, idempotency: Any) -> Any:
    return definitions.once(
        conn,
        tenant_id,
        idempotency,
        lambda: input_schemas.validate_against(conn, tenant_id, name, version, inputs),
    )


async def deprecate_schema_version(request: Request) -> Response:
    """Deprecates one stored version: kept, readable and runnable by its number, no longer the latest.

    Submitting or storing by name without a version, `child_workflow` and `tools.workflow.execute` by name
    then take the newest version that is not deprecated. Deprecating a version again changes nothing.
    ---
    tags: [schemas]
    x-role: operator
    parameters:
      - {name: version, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the deprecated version, x-data: WorkflowSchema}
    """
    principal = await _state.authenticate(request, require="operator")
    name = request.path_params["workflow_name"]
    version = _definitions.path_version(request.path_params["version"])
    idempotency = _state.idempotency(request, "deprecate_schema_version", {"name": name, "version": version})
    answer = await _changes.change(
        request, principal, input_schemas.deprecate_version, principal.tenant_id, name, version, idempotency
    )
    return _state.success(answer)


def _body_version(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _definitions.MAX_VERSION:
        raise errors.InvalidRequest(
            "invalid_field", f"'version' must be an integer from 1 to {_definitions.MAX_VERSION} (or absent)"
        )
    return value


routes = [
    Route("/api/v1/schemas", list_schemas, methods=["GET"]),
    Route("/api/v1/schemas/stats", schema_stats, methods=["GET"]),
    Route("/api/v1/schemas/{workflow_name}", get_schema, methods=["GET"]),
    Route("/api/v1/schemas/{workflow_name}/validate", validate_inputs, methods=["POST"]),
    Route("/api/v1/schemas/{workflow_name}/versions/{version}", deprecate_schema_version, methods=["DELETE"]),
]
