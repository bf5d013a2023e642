"""Routes of stored definitions: store and list them, read one by id, hash or name and version, as JSON or
Python DSL source, and the executions grid of its runs.

A definition's id is its content hash (the SHA-256 of its canonical JSON), so `definition_id` and
`definition_hash` name the same stored version. These routes come before
`/api/v1/workflows/{workflow_run_id}` in the application's route list, which would otherwise read
`definitions` or `by-hash` as a run id.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import definition_source, definitions, errors
from services.api import _changes, _query, _state

_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
MAX_VERSION = 2**31 - 1  # a stored version is a PostgreSQL integer
MAX_PAGE = 200
MAX_OFFSET = 100_000
MAX_GRID_RUNS = 100
MAX_GRID_DAYS = 90
MAX_NAME_CHARS = 255  # a definition's name as a query parameter

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
StoreDefinitionRequest:
  type: object
  required: [workflow_definition]
  additionalProperties: false
  properties:
    workflow_definition: {type: object, description: a highway_dsl definition (JSON)}
DefinitionVersion:
  type: object
  required: [definition_id, workflow_name, version, definition_hash, created_at, deprecated, deprecated_at]
  properties:
    definition_id: {type: string, pattern: '^[0-9a-f]{64}$', description: the content hash}
    workflow_name: {type: string}
    version: {type: integer, minimum: 1}
    definition_hash: {type: string, pattern: '^[0-9a-f]{64}$'}
    created_at: {type: string, format: date-time}
    deprecated: {type: boolean}
    deprecated_at: {type: [string, 'null'], format: date-time}
StoredDefinition:
  allOf:
    - $ref: '#/components/schemas/DefinitionVersion'
    - type: object
      required: [tenant_id, definition_json]
      properties:
        tenant_id: {type: string}
        definition_json: {type: object}
StoredDefinitionResult:
  allOf:
    - $ref: '#/components/schemas/StoredDefinition'
    - type: object
      required: [created]
      properties:
        created: {type: boolean, description: false when the same content was stored before}
DefinitionList:
  type: object
  required: [items, limit, offset]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/DefinitionVersion'}}
    limit: {type: integer}
    offset: {type: integer}
DefinitionJson:
  type: object
  required: [definition_id, workflow_name, version, definition_json]
  properties:
    definition_id: {type: string}
    workflow_name: {type: string}
    version: {type: integer}
    definition_json: {type: object}
DefinitionPythonDsl:
  type: object
  required: [definition_id, workflow_name, version, python_dsl]
  properties:
    definition_id: {type: string}
    workflow_name: {type: string}
    version: {type: integer}
    python_dsl: {type: string, description: highway_dsl Python source that rebuilds the definition}
ExecutionsGrid:
  type: object
  required: [definition_id, workflow_name, version, tasks, runs, grid, limit, offset, days]
  properties:
    definition_id: {type: string}
    workflow_name: {type: string}
    version: {type: integer}
    tasks: {type: array, items: {type: string}}
    runs:
      type: array
      items:
        type: object
        required: [workflow_run_id, status, created_at, started_at, finished_at, duration_ms]
        properties:
          workflow_run_id: {type: string, format: uuid}
          status: {type: string}
          created_at: {type: string, format: date-time}
          started_at: {type: [string, 'null'], format: date-time}
          finished_at: {type: [string, 'null'], format: date-time}
          duration_ms: {type: [integer, 'null']}
    grid:
      type: object
      description: each task's states, one per run in the order of `runs`
      additionalProperties:
        type: array
        items:
          type: object
          required: [status]
          properties:
            status: {type: string, enum: [completed, failed, running, pending, skipped]}
    limit: {type: integer}
    offset: {type: integer}
    days: {type: integer}
""")


async def store_definition(request: Request) -> Response:
    """Stores a workflow definition; the same content again answers its stored version.

    Body: `{"workflow_definition": <highway_dsl JSON>}`. The definition is validated as a submission
    would be, named by its `name` field and versioned by content: new content under a stored name
    becomes the next integer version. 201 when stored now, 200 when the same content was stored before.
    ---
    tags: [definitions]
    x-role: operator
    x-body: StoreDefinitionRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: stored now
        x-data: StoredDefinitionResult
        links:
          GetDefinition:
            operationId: get_definition
            parameters: {definition_id: '$response.body#/data/definition_id'}
          GetDefinitionGrid:
            operationId: get_definition_executions_grid
            parameters: {definition_id: '$response.body#/data/definition_id'}
      200: {description: the same content was stored before, x-data: StoredDefinitionResult}
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, ("workflow_definition",))
    if "workflow_definition" not in body:
        raise errors.InvalidRequest("missing_field", "the body needs a 'workflow_definition' object")
    idempotency = _state.idempotency(request, "store_definition", body)
    stored = await _changes.change(
        request,
        principal,
        definitions.store_definition_once,
        principal.tenant_id,
        body["workflow_definition"],
        idempotency,
    )
    return _state.success(stored, status=201 if stored["created"] else 200)


async def list_definitions(request: Request) -> Response:
    """Lists the tenant's stored definitions by name, newest version first (without their JSON).

    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - name: name
        in: query
        description: only this definition name
        schema: {type: string, minLength: 1, maxLength: 255}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 200}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 100000, default: 0}}
    responses:
      200: {description: one page of stored versions, x-data: DefinitionList}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("name", "limit", "offset"))
    name = _query.text(query, "name", MAX_NAME_CHARS)
    limit = _query.integer(query, "limit", MAX_PAGE, 1, MAX_PAGE)
    offset = _query.integer(query, "offset", 0, 0, MAX_OFFSET)
    rows = await _state.get(request).call(list_definition_rows, principal.tenant_id, name, limit, offset)
    return _state.success({"items": [definitions.row_view(r) for r in rows], "limit": limit, "offset": offset})


def list_definition_rows(conn: Any, tenant_id: str, name: str | None, limit: int, offset: int) -> list[Any]:
    return definitions.list_definitions(conn, tenant_id, name, limit=limit, offset=offset)


async def get_definition(request: Request) -> Response:
    """One stored definition by its id (its content hash), with its JSON.

    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: definition_id, in: path, required: true, schema: {type: string, maxLength: 71}}
    responses:
      200: {description: the stored version, x-data: StoredDefinition}
    """
    principal, stored = await _by_hash(request, "definition_id")
    return _state.success(definitions.view(stored, principal.tenant_id))


async def get_definition_json(request: Request) -> Response:
    """A stored definition's JSON only, by its id.

    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: definition_id, in: path, required: true, schema: {type: string, maxLength: 71}}
    responses:
      200: {description: the definition's JSON, x-data: DefinitionJson}
    """
    _, stored = await _by_hash(request, "definition_id")
    return _state.success({**_names(stored), "definition_json": stored.definition})


async def get_definition_python_dsl(request: Request) -> Response:
    """A stored definition as highway_dsl Python source that rebuilds it, by its id.

    The source builds `workflow = Workflow(...)` with one operator object per task, each with only the
    fields that differ from their defaults; `POST /api/v1/workflows` with it as `python_dsl` runs the
    same definition (as highway_dsl writes it).
    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: definition_id, in: path, required: true, schema: {type: string, maxLength: 71}}
    responses:
      200: {description: the Python DSL source, x-data: DefinitionPythonDsl}
    """
    _, stored = await _by_hash(request, "definition_id")
    return _state.success({**_names(stored), "python_dsl": definition_source.python_source(stored.definition)})


async def get_definition_executions_grid(request: Request) -> Response:
    """The runs of one stored definition (newest first) against its tasks: each task's state in each run.

    Only runs of exactly this content (this version) count; runs submitted before the engine recorded
    definitions (0.2.35) have no link to one and are not shown.
    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: definition_id, in: path, required: true, schema: {type: string, maxLength: 71}}
      - name: days
        in: query
        description: only runs created in the last this many days
        schema: {type: integer, minimum: 1, maximum: 90, default: 30}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 25}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 100000, default: 0}}
    responses:
      200: {description: the grid, x-data: ExecutionsGrid}
    """
    principal = await _state.authenticate(request, require="viewer")
    digest = _digest(request.path_params["definition_id"])
    query = _query.query(request, ("days", "limit", "offset"))
    days = _query.integer(query, "days", 30, 1, MAX_GRID_DAYS)
    limit = _query.integer(query, "limit", 25, 1, MAX_GRID_RUNS)
    offset = _query.integer(query, "offset", 0, 0, MAX_OFFSET)
    grid = await _state.get(request).call(definitions.executions_grid, principal.tenant_id, digest, limit, offset, days)
    runs = [
        {
            "workflow_run_id": str(run["workflow_run_id"]),
            "status": run["state"],
            "created_at": run["created_at"].isoformat(),
            "started_at": _iso(run["started_at"]),
            "finished_at": _iso(run["finished_at"]),
            "duration_ms": _duration_ms(run),
        }
        for run in grid["runs"]
    ]
    cells = {task: [{"status": state} for state in states] for task, states in grid["grid"].items()}
    data = {**_names(grid["stored"]), "tasks": grid["tasks"], "runs": runs, "grid": cells}
    return _state.success({**data, "limit": limit, "offset": offset, "days": days})


async def get_definition_by_hash(request: Request) -> Response:
    """The stored definition whose canonical JSON has this SHA-256, with its JSON.

    The canonical JSON has its keys sorted, no spaces and UTF-8 text (`json.dumps(d, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`); a `sha256:` prefix is allowed.
    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: definition_hash, in: path, required: true, schema: {type: string, maxLength: 71}}
    responses:
      200: {description: the stored version, x-data: StoredDefinition}
    """
    principal, stored = await _by_hash(request, "definition_hash")
    return _state.success(definitions.view(stored, principal.tenant_id))


async def get_definition_version(request: Request) -> Response:
    """One stored version of a definition by its name and version number, with its JSON.

    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: version, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
    responses:
      200: {description: the stored version, x-data: StoredDefinition}
    """
    principal = await _state.authenticate(request, require="viewer")
    name = request.path_params["workflow_name"]
    version = path_version(request.path_params["version"])
    stored = await _state.get(request).call(definitions.get_definition_version, principal.tenant_id, name, version)
    return _state.success(definitions.view(stored, principal.tenant_id))


def path_version(raw: str) -> int:
    """A version path parameter as an integer.

    Raises:
        DefinitionNotFound: it is not an integer from 1 to MAX_VERSION, so it names no version.
    """
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= MAX_VERSION:
        raise errors.DefinitionNotFound(f"definition versions are integers from 1 to {MAX_VERSION}")
    return int(raw)


async def _by_hash(request: Request, parameter: str) -> tuple[Any, definitions.StoredDefinition]:
    principal = await _state.authenticate(request, require="viewer")
    digest = _digest(request.path_params[parameter])
    stored = await _state.get(request).call(definitions.get_definition_by_hash, principal.tenant_id, digest)
    return principal, stored


def _digest(raw: str) -> str:
    match = _SHA256.match(raw)
    if match is None:
        raise errors.DefinitionNotFound("a definition id (its hash) is 64 hexadecimal digits (SHA-256)")
    return match.group(1).lower()


def _names(stored: definitions.StoredDefinition) -> dict[str, Any]:
    return {"definition_id": stored.content_hash, "workflow_name": stored.name, "version": stored.version}


def _duration_ms(run: Any) -> int | None:
    if run["started_at"] is None or run["finished_at"] is None:
        return None
    return int((run["finished_at"] - run["started_at"]).total_seconds() * 1000)


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


routes = [
    Route("/api/v1/workflows/definitions", store_definition, methods=["POST"]),
    Route("/api/v1/workflows/definitions", list_definitions, methods=["GET"]),
    Route("/api/v1/workflows/definitions/json/{definition_id}", get_definition_json, methods=["GET"]),
    Route("/api/v1/workflows/definitions/dsl/python/{definition_id}", get_definition_python_dsl, methods=["GET"]),
    Route(
        "/api/v1/workflows/definitions/{definition_id}/executions/grid",
        get_definition_executions_grid,
        methods=["GET"],
    ),
    Route("/api/v1/workflows/definitions/{definition_id}", get_definition, methods=["GET"]),
    Route("/api/v1/workflows/by-hash/{definition_hash}", get_definition_by_hash, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_name}/versions/{version}", get_definition_version, methods=["GET"]),
]
