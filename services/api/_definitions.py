"""Routes under /api/v1/workflows/definitions: a tenant's stored definitions, versioned by content.

These routes must come before `/api/v1/workflows/{workflow_run_id}` in the application's route
list, which would otherwise read `definitions` as a run id.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import definitions, errors
from services.api import _changes, _state

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


async def store_definition(request: Request) -> Response:
    """Stores a workflow definition; the same content again answers its stored version.

    Body: `{"workflow_definition": <highway_dsl JSON>}`. The definition is validated as a submission
    would be, named by its `name` field and versioned by content: new content under a stored name
    becomes the next integer version. 201 when stored now, 200 when the same content was stored before.
    ---
    tags: [definitions]
    x-role: operator
    responses:
      201: {description: "stored: `name`, `version`, `sha256`, `created_at`, `definition`, `created` true"}
      200: {description: "the same content was stored before: its version, with `created` false"}
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, ("workflow_definition",))
    if "workflow_definition" not in body:
        raise errors.InvalidRequest("missing_field", "the body needs a 'workflow_definition' object")
    stored = await _changes.change(
        request, principal, definitions.store_definition, principal.tenant_id, body["workflow_definition"]
    )
    return _state.success({**_view(stored), "created": stored.created}, status=201 if stored.created else 200)


async def list_definitions(request: Request) -> Response:
    """Lists the tenant's stored definitions by name, newest version first (without their JSON).

    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: name, in: query, description: only this definition name, schema: {type: string}}
    responses:
      200: {description: "`items`: name, version, sha256 and created_at of each stored version"}
    """
    principal = await _state.authenticate(request, require="viewer")
    rows = await _state.get(request).call(
        definitions.list_definitions, principal.tenant_id, request.query_params.get("name")
    )
    items = [
        {"name": r["name"], "version": r["version"], "sha256": r["content_hash"], "created_at": _iso(r["created_at"])}
        for r in rows
    ]
    return _state.success({"items": items})


async def get_definition_version(request: Request) -> Response:
    """One stored version of a definition, with its JSON.

    ---
    tags: [definitions]
    x-role: viewer
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
      - {name: version, in: path, required: true, schema: {type: integer, minimum: 1}}
    responses:
      200: {description: "`name`, `version`, `sha256`, `created_at` and `definition`"}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="viewer")
    name, raw_version = request.path_params["name"], request.path_params["version"]
    if not raw_version.isdigit() or int(raw_version) < 1:
        raise errors.DefinitionNotFound("definition versions are integers from 1")
    stored = await _state.get(request).call(
        definitions.get_definition_version, principal.tenant_id, name, int(raw_version)
    )
    return _state.success(_view(stored))


async def get_definition_by_hash(request: Request) -> Response:
    """The stored definition whose canonical JSON has this SHA-256, with its JSON.

    The canonical JSON has its keys sorted, no spaces and UTF-8 text (`json.dumps(d, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`).
    ---
    tags: [definitions]
    x-role: viewer
    responses:
      200: {description: "`name`, `version`, `sha256`, `created_at` and `definition`"}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="viewer")
    digest = request.path_params["sha256"]
    if not _SHA256.match(digest):
        raise errors.DefinitionNotFound("a definition hash is 64 hexadecimal digits (SHA-256)")
    stored = await _state.get(request).call(definitions.find_definition_by_hash, principal.tenant_id, digest)
    if stored is None:
        raise errors.DefinitionNotFound(f"no stored definition with hash {digest.lower()}")
    return _state.success(_view(stored))


def _view(stored: definitions.StoredDefinition) -> dict[str, Any]:
    return {
        "name": stored.name,
        "version": stored.version,
        "sha256": stored.content_hash,
        "created_at": _iso(stored.created_at),
        "definition": stored.definition,
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


routes = [
    Route("/api/v1/workflows/definitions", store_definition, methods=["POST"]),
    Route("/api/v1/workflows/definitions", list_definitions, methods=["GET"]),
    Route("/api/v1/workflows/definitions/by-hash/{sha256}", get_definition_by_hash, methods=["GET"]),
    Route("/api/v1/workflows/definitions/{name}/versions/{version}", get_definition_version, methods=["GET"]),
]
