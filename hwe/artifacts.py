"""Artifacts: zip archives of Python code for durable tasks, stored in PostgreSQL per tenant.

An artifact's id is the sha256 of its content, so uploading the same archive twice is a no-op.
`tools.python.run` reads the archive fresh at every execution: there is no cache of user code.
Called by the API (upload, read, delete) and by DurableContext. Never commits.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from hwe import db, errors

MAX_ARTIFACT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Artifact:
    """An artifact's metadata."""

    artifact_id: str
    size: int
    created_at: datetime | None = None


def store_artifact(conn: db.Connection, tenant_id: str, content: bytes) -> Artifact:
    """Stores a zip archive for the tenant and returns its id (sha256) and size.

    Raises:
        InvalidArtifact: too large, not a zip archive, or holding paths outside the archive.
    """
    if len(content) > MAX_ARTIFACT_BYTES:
        raise errors.InvalidArtifact(f"an artifact is at most {MAX_ARTIFACT_BYTES} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as err:
        raise errors.InvalidArtifact("an artifact must be a zip archive") from err
    if any(name.startswith("/") or ".." in name.split("/") for name in names):
        raise errors.InvalidArtifact("an artifact's paths must stay inside the archive")
    artifact_id = hashlib.sha256(content).hexdigest()
    db.execute(
        conn,
        "insert_artifact",
        {"tenant_id": tenant_id, "artifact_id": artifact_id, "content": content, "size": len(content)},
    )
    return Artifact(artifact_id, len(content))


def read_artifact(conn: db.Connection, tenant_id: str, artifact_id: str) -> bytes:
    """Returns an artifact's content.

    Raises:
        ArtifactNotFound: no such artifact for this tenant.
    """
    rows = db.execute(conn, "read_artifact", {"tenant_id": tenant_id, "artifact_id": artifact_id})
    if not rows:
        raise errors.ArtifactNotFound(f"artifact {artifact_id} not found")
    return bytes(rows[0]["content"])


def find_artifact(conn: db.Connection, tenant_id: str, artifact_id: str) -> Artifact | None:
    """Returns an artifact's metadata, or None."""
    rows = db.execute(conn, "find_artifact", {"tenant_id": tenant_id, "artifact_id": artifact_id})
    return Artifact(**rows[0]) if rows else None


def delete_artifact(conn: db.Connection, tenant_id: str, artifact_id: str) -> None:
    """Deletes an artifact.

    Raises:
        ArtifactNotFound: no such artifact for this tenant.
    """
    if not db.execute(conn, "delete_artifact", {"tenant_id": tenant_id, "artifact_id": artifact_id}):
        raise errors.ArtifactNotFound(f"artifact {artifact_id} not found")


def list_artifacts(conn: db.Connection, tenant_id: str, *, after: str | None, limit: int) -> list[Artifact]:
    """Up to `limit` of the tenant's artifacts' metadata, by id, after the id `after` (None: from the first)."""
    rows = db.execute(conn, "list_artifacts", {"tenant_id": tenant_id, "after": after, "limit": limit})
    return [Artifact(**row) for row in rows]
