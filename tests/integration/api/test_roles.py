"""What each role may do: viewer reads, operator also submits, admin also manages keys and tenants."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def test_viewer_cannot_submit_a_run(tenant: Tenant) -> None:
    response = tenant.client_as("viewer").post(
        "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "inputs": {"name": "v"}}
    )
    assert response.status_code == 403
    body = response.json()
    assert body["status"] == "error"
    assert body["code"] == "forbidden"
    assert "operator" in body["message"]
    assert body["request_id"]


def test_viewer_can_read_and_list_runs(tenant: Tenant) -> None:
    run_id = tenant.submit(load("three_shell_steps"), {"name": "v"}).json()["data"]["workflow_run_id"]
    viewer = tenant.client_as("viewer")
    assert viewer.get(f"/api/v1/workflows/{run_id}").status_code == 200
    listed = viewer.get("/api/v1/workflows")
    assert listed.status_code == 200
    assert [item["workflow_run_id"] for item in listed.json()["data"]["items"]] == [run_id]


def test_operator_can_submit_a_run(tenant: Tenant) -> None:
    response = tenant.client_as("operator").post(
        "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "inputs": {"name": "o"}}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("role", ["operator", "viewer"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/admin/api-keys", {"name": "k", "role": "viewer"}),
        ("GET", "/api/v1/admin/api-keys", None),
        ("DELETE", "/api/v1/admin/api-keys/00000000-0000-0000-0000-000000000000", None),
        ("POST", "/api/v1/admin/api-keys/00000000-0000-0000-0000-000000000000/rotate", None),
        ("POST", "/api/v1/tenants", {"tenant_id": "never-created"}),
    ],
)
def test_only_admins_manage_keys_and_tenants(
    tenant: Tenant, role: str, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = tenant.client_as(role).request(method, path, json=body)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"


def test_admin_of_a_tenant_other_than_default_cannot_create_tenants(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/tenants", json={"tenant_id": f"{tenant.tenant_id}-child"})
    assert response.status_code == 403
    assert "default" in response.json()["message"]


def test_admin_can_submit_a_run(tenant: Tenant) -> None:
    assert tenant.submit(load("three_shell_steps"), {"name": "a"}).status_code == 201
