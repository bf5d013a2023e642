"""Tenants through the API: created by admins of `default`, each with its own queue and first admin key."""

from __future__ import annotations

import uuid

import httpx

from hwe import db
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _name() -> str:
    return f"n{uuid.uuid4().hex[:10]}"


def test_bootstrap_admin_creates_a_tenant_with_its_own_queue(bootstrap_admin: Tenant, conn: db.Connection) -> None:
    name = f"{_name()}-corp"
    response = bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": name})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["tenant_id"] == name
    assert data["queue_name"] == name.replace("-", "_")
    assert conn.execute("SELECT to_regclass(%s) AS t", (f"hwe.t_{data['queue_name']}",)).fetchone()["t"]


def test_new_tenants_admin_key_works_for_that_tenant_only(bootstrap_admin: Tenant) -> None:
    data = bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": _name()}).json()["data"]
    assert data["admin_key"]["role"] == "admin"
    headers = {"Authorization": f"Bearer {data['admin_key']['key']}"}
    with httpx.Client(base_url=bootstrap_admin.api_url, headers=headers, timeout=10) as client:
        submitted = client.post(
            "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "inputs": {"name": "n"}}
        )
        assert submitted.status_code == 201
        keys = client.get("/api/v1/admin/api-keys").json()["data"]["api_keys"]
    assert [key["key_prefix"] for key in keys] == ["hw_" + data["admin_key"]["prefix"]]
    run_id = submitted.json()["data"]["workflow_run_id"]
    assert bootstrap_admin.client.get(f"/api/v1/workflows/{run_id}").status_code == 404


def test_creating_an_existing_tenant_is_409_saying_the_tenant_exists(bootstrap_admin: Tenant) -> None:
    name = _name()
    assert bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": name}).status_code == 201
    response = bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": name})
    assert response.status_code == 409
    assert response.json()["code"] == "tenant_exists"
    assert response.json()["message"] == f"tenant {name!r} already exists"


def test_a_tenant_whose_queue_name_is_taken_is_409(bootstrap_admin: Tenant) -> None:
    name = _name()
    assert bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": f"{name}_x"}).status_code == 201
    response = bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": f"{name}-x"})
    assert response.status_code == 409
    assert "queue" in response.json()["message"]


def test_invalid_tenant_id_is_400(bootstrap_admin: Tenant) -> None:
    for tenant_id in ["Upper", "1digit", "", "x" * 42, 7]:
        response = bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": tenant_id})
        assert response.status_code == 400, tenant_id
        assert response.json()["code"] == "invalid_tenant"


def test_same_idempotency_key_and_body_return_the_same_tenant_and_key(bootstrap_admin: Tenant) -> None:
    headers = {"X-Idempotency-Key": f"tenant-{uuid.uuid4()}"}
    body = {"tenant_id": _name()}
    first = bootstrap_admin.client.post("/api/v1/tenants", json=body, headers=headers)
    second = bootstrap_admin.client.post("/api/v1/tenants", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["data"] == second.json()["data"]


def test_same_idempotency_key_with_another_tenant_id_is_409(bootstrap_admin: Tenant) -> None:
    headers = {"X-Idempotency-Key": f"tenant-{uuid.uuid4()}"}
    assert bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": _name()}, headers=headers).is_success
    response = bootstrap_admin.client.post("/api/v1/tenants", json={"tenant_id": _name()}, headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
