"""Routes under /api/v1/artifacts: zip archives of durable task code, per tenant."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hwe import artifacts, db, errors
from services.api import _changes, _state


async def upload_artifact(request: Request) -> Response:
    """POST /api/v1/artifacts: multipart field `artifact` (a zip) → top-level `artifact_id` (sha256) and `size`."""
    principal = await _state.authenticate(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise errors.InvalidRequest("unsupported_media_type", "upload the archive as multipart/form-data")
    async with request.form(max_files=1, max_fields=10, max_part_size=artifacts.MAX_ARTIFACT_BYTES) as form:
        upload = form.get("artifact")
        if not isinstance(upload, UploadFile):
            raise errors.InvalidRequest("missing_field", "the form needs a file field named 'artifact'")
        content = await upload.read()
    artifact = await _changes.change(request, principal, _store, principal.tenant_id, content)
    body = {"artifact_id": artifact.artifact_id, "size": artifact.size}
    # The published clients read artifact_id at the top level; the envelope carries it too.
    return JSONResponse({"status": "success", "data": body, **body}, status_code=201)


def _store(conn: db.Connection, tenant_id: str, content: bytes) -> artifacts.Artifact:
    with conn.transaction():
        return artifacts.store_artifact(conn, tenant_id, content)


async def get_artifact(request: Request) -> Response:
    """GET /api/v1/artifacts/{artifact_id}: the artifact's size and creation time."""
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
    """GET /api/v1/artifacts/{artifact_id}/exists: `{"exists": bool}`."""
    principal = await _state.authenticate(request)
    artifact = await _state.get(request).call(
        artifacts.find_artifact, principal.tenant_id, request.path_params["artifact_id"]
    )
    return _state.success({"exists": artifact is not None})


async def delete_artifact(request: Request) -> Response:
    """DELETE /api/v1/artifacts/{artifact_id}."""
    principal = await _state.authenticate(request)
    artifact_id = request.path_params["artifact_id"]
    await _changes.change(request, principal, artifacts.delete_artifact, principal.tenant_id, artifact_id)
    return _state.success({"artifact_id": artifact_id, "deleted": True})


routes = [
    Route("/api/v1/artifacts", upload_artifact, methods=["POST"]),
    Route("/api/v1/artifacts/{artifact_id}", get_artifact, methods=["GET"]),
    Route("/api/v1/artifacts/{artifact_id}/exists", artifact_exists, methods=["GET"]),
    Route("/api/v1/artifacts/{artifact_id}", delete_artifact, methods=["DELETE"]),
]
