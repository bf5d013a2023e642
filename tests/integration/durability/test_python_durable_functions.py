"""Durable Python functions (tools.python.run) from code stored per tenant in PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load

CODE = Path(__file__).resolve().parents[2] / "workflow_examples" / "durable_code"


def _archive(replace: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(CODE.rglob("*.py")):
            name = str(path.relative_to(CODE))
            text = path.read_text()
            for old, new in (replace or {}).items():
                text = text.replace(old, new)
            # A fixed timestamp keeps the bytes, and so the artifact id, the same from one call to the next.
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def _upload(tenant: Tenant, content: bytes) -> dict[str, Any]:
    response = tenant.client.post("/api/v1/artifacts", files={"artifact": ("code.zip", content, "application/zip")})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_durable_function_survives_sleep_and_event_wait_without_repeating_steps(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    artifact = _upload(tenant, _archive())
    workers.start(tenant.queue)
    inputs = {"order": "o-7", "dir": str(tmp_path), "artifact_id": artifact["artifact_id"]}
    run_id = tenant.submit(load("durable_order"), inputs).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id, ("waiting",), timeout=20)

    response = tenant.client.post(
        f"/api/v1/workflows/{run_id}/events", json={"event_name": "confirm_o-7", "payload": {"by": "ada"}}
    )
    run = tenant.wait_for_state(run_id, timeout=20)

    assert response.status_code == 201
    assert run["state"] == "completed", run
    assert run["context"]["order"] == {"order": "o-7", "reserved": 1, "charged": 1, "status": "reserved"}
    assert _lines(tmp_path / "entries.log") == 3  # first run, after the sleep, after the event
    assert _lines(tmp_path / "reserve.log") == 1
    assert _lines(tmp_path / "charge.log") == 1


def test_artifact_upload_returns_its_sha256_at_the_top_level_and_is_idempotent(tenant: Tenant) -> None:
    first = _upload(tenant, _archive())
    second = _upload(tenant, _archive())
    assert len(first["artifact_id"]) == 64
    assert first["artifact_id"] == second["artifact_id"]
    assert first["size"] == len(_archive())
    exists = tenant.client.get(f"/api/v1/artifacts/{first['artifact_id']}/exists").json()["data"]
    assert exists == {"exists": True}


def test_each_run_loads_its_own_artifact_fresh_with_no_cached_code(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    results = []
    for label in ("v1", "v2", "v1"):
        artifact = _upload(tenant, _archive({'"v1"': f'"{label}"'}))
        run_id = tenant.submit(load("durable_version"), {"artifact_id": artifact["artifact_id"]}).json()["data"][
            "workflow_run_id"
        ]
        results.append(tenant.wait_for_state(run_id)["context"]["version"])
    assert results == ["v1", "v2", "v1"]


def test_another_tenant_cannot_read_or_run_an_artifact(make_tenant: Any, workers: WorkerPool) -> None:
    owner, stranger = make_tenant(), make_tenant()
    artifact = _upload(owner, _archive())
    assert stranger.client.get(f"/api/v1/artifacts/{artifact['artifact_id']}").status_code == 404
    workers.start(stranger.queue)
    run_id = stranger.submit(load("durable_version"), {"artifact_id": artifact["artifact_id"]}).json()["data"][
        "workflow_run_id"
    ]
    run = stranger.wait_for_state(run_id)
    assert run["state"] == "failed"
    assert "not found" in run["error"]["message"]


def test_upload_that_is_not_a_zip_gets_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/artifacts", files={"artifact": ("x.zip", b"not a zip", "application/zip")})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_artifact"


def test_deleted_artifact_is_gone(tenant: Tenant) -> None:
    artifact = _upload(tenant, _archive())
    assert tenant.client.delete(f"/api/v1/artifacts/{artifact['artifact_id']}").status_code == 200
    assert tenant.client.get(f"/api/v1/artifacts/{artifact['artifact_id']}").status_code == 404
    assert tenant.client.delete(f"/api/v1/artifacts/{artifact['artifact_id']}").status_code == 404
