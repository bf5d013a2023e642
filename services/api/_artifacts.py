"""Routes under /api/v1/artifacts: zip archives of durable task code, per tenant."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

import yaml
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hwe import artifacts, db, errors, tenants
from services.api import _changes, _query, _state

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_ARTIFACT_ID = re.compile(r"^[0-9a-f]{64}$")

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
ArtifactSummary:
  type: object
  required: [artifact_id, size, created_at]
  properties:
    artifact_id: {type: string, pattern: '^[0-9a-f]{64}$', description: the sha256 of the content}
    size: {type: integer, minimum: 0}
    created_at: {type: string, format: date-time}
ArtifactStored:
  type: object
  required: [artifact_id, size]
  properties:
    artifact_id: {type: string, pattern: '^[0-9a-f]{64}$'}
    size: {type: integer, minimum: 0}
ArtifactExists:
  type: object
  required: [exists]
  properties:
    exists: {type: boolean}
ArtifactDeleted:
  type: object
  required: [artifact_id, deleted]
  properties:
    artifact_id: {type: string}
    deleted: {const: true}
ArtifactList:
  type: object
  required: [items, next_cursor]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/ArtifactSummary'}}
    next_cursor: {type: [string, 'null'], description: pass as cursor to read the next page; null on the last}
""")


async def list_artifacts(request: Request) -> Response:
    """Lists the tenant's artifacts by id (metadata only), one page at a time.

    ---
    tags: [artifacts]
    x-role: viewer
    parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
      - {name: cursor, in: query, description: the next_cursor of the previous page,
         schema: {type: string, pattern: '^[0-9a-f]{64}$'}}
    responses:
      200: {description: one page of artifacts, x-data: ArtifactList}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("limit", "cursor"))
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    cursor = query.get("cursor")
    if cursor is not None and not _ARTIFACT_ID.match(cursor):
        raise errors.InvalidRequest("invalid_cursor", "cursor is not a next_cursor this API returned")
    listing = functools.partial(artifacts.list_artifacts, after=cursor, limit=limit + 1)
    found = await _state.get(request).call(listing, principal.tenant_id)
    page = found[:limit]
    items = [
        {"artifact_id": a.artifact_id, "size": a.size, "created_at": a.created_at.isoformat() if a.created_at else None}
        for a in page
    ]
    next_cursor = page[-1].artifact_id if len(found) > limit else None
    return _state.success({"items": items, "next_cursor": next_cursor})


async def upload_artifact(request: Request) -> Response:
    """Uploads a zip archive of task code (multipart field `artifact`); its id is the sha256 of its content.

    Uploading the same archive again answers the same id. The published clients read `artifact_id` at the top
    level of the answer; `data` carries it too.
    ---
    tags: [artifacts]
    x-role: operator
    requestBody:
      required: true
      content:
        multipart/form-data:
          schema:
            type: object
            required: [artifact]
            properties:
              artifact: {type: string, format: binary, description: "a zip archive of at most 10 MiB"}
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the stored artifact
        content:
          application/json:
            schema:
              type: object
              required: [status, data, artifact_id, size]
              properties:
                status: {const: success}
                data: {$ref: '#/components/schemas/ArtifactStored'}
                artifact_id: {type: string, pattern: '^[0-9a-f]{64}$'}
                size: {type: integer, minimum: 0}
        links:
          GetArtifact: {operationId: get_artifact, parameters: {artifact_id: '$response.body#/data/artifact_id'}}
          ArtifactExists: {operationId: artifact_exists, parameters: {artifact_id: '$response.body#/data/artifact_id'}}
          DeleteArtifact: {operationId: delete_artifact, parameters: {artifact_id: '$response.body#/data/artifact_id'}}
    """
    principal = await _state.authenticate(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise errors.InvalidRequest("unsupported_media_type", "upload the archive as multipart/form-data")
    async with request.form(max_files=1, max_fields=10, max_part_size=artifacts.MAX_ARTIFACT_BYTES) as form:
        upload = form.get("artifact")
        if not isinstance(upload, UploadFile):
            raise errors.InvalidRequest("missing_field", "the form needs a file field named 'artifact'")
        content = await upload.read()
    idem = _state.idempotency(request, "upload_artifact", {"sha256": hashlib.sha256(content).hexdigest()})
    store = functools.partial(_store, tenant_id=principal.tenant_id, content=content)
    body = await _changes.change(request, principal, tenants.once, principal.tenant_id, idem, store)
    # The published clients read artifact_id at the top level; the envelope carries it too.
    return JSONResponse({"status": "success", "data": body, **body}, status_code=201)


def _store(conn: db.Connection, *, tenant_id: str, content: bytes) -> dict[str, Any]:
    artifact = artifacts.store_artifact(conn, tenant_id, content)
    return {"artifact_id": artifact.artifact_id, "size": artifact.size}


async def get_artifact(request: Request) -> Response:
    """Reads an artifact's metadata: its size and creation time (never its content).

    ---
    tags: [artifacts]
    x-role: viewer
    responses:
      200: {description: the artifact, x-data: ArtifactSummary}
    """
    principal = await _state.authenticate(request)
    artifact_id = request.path_params["artifact_id"]
    artifact = await _state.get(request).call(artifacts.find_artifact, principal.tenant_id, artifact_id)
    if artifact is None:
        raise errors.ArtifactNotFound(f"artifact {artifact_id} not found")
    return _state.success(
        {"artifact_id": artifact.artifact_id, "size": artifact.size, "created_at": artifact.created_at.isoformat()}
        if artifact.created_at
        else {"artifact_id": artifact.artifact_id, "size": artifact.size}
    )


async def artifact_exists(request: Request) -> Response:
    """Tells whether the tenant has an artifact of that id.

    ---
    tags: [artifacts]
    x-role: viewer
    responses:
      200: {description: whether it exists, x-data: ArtifactExists}
    """
    principal = await _state.authenticate(request)
    artifact = await _state.get(request).call(
        artifacts.find_artifact, principal.tenant_id, request.path_params["artifact_id"]
    )
    return _state.success({"exists": artifact is not None})


async def delete_artifact(request: Request) -> Response:
    """Deletes an artifact; runs that need it fail from then on.

    ---
    tags: [artifacts]
    x-role: operator
    responses:
      200: {description: the id of the deleted artifact, x-data: ArtifactDeleted}
    """
    principal = await _state.authenticate(request)
    artifact_id = request.path_params["artifact_id"]
    await _changes.change(request, principal, artifacts.delete_artifact, principal.tenant_id, artifact_id)
    return _state.success({"artifact_id": artifact_id, "deleted": True})


routes = [
    Route("/api/v1/artifacts", upload_artifact, methods=["POST"]),
    Route("/api/v1/artifacts", list_artifacts, methods=["GET"]),
    Route("/api/v1/artifacts/{artifact_id}", get_artifact, methods=["GET"]),
    Route("/api/v1/artifacts/{artifact_id}/exists", artifact_exists, methods=["GET"]),
    Route("/api/v1/artifacts/{artifact_id}", delete_artifact, methods=["DELETE"]),
]
