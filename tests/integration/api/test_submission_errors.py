"""What the API answers to requests it cannot accept."""

from __future__ import annotations

import copy

import httpx
import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def test_missing_api_key_is_rejected_with_401(tenant: Tenant) -> None:
    response = httpx.post(f"{tenant.api_url}/api/v1/workflows", json={"workflow_definition": {}})
    assert response.status_code == 401
    assert response.json()["status"] == "error"
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("key", ["nonsense", "hw_000000000000_wrongsecret", "Bearer"])
def test_unknown_or_malformed_api_key_is_rejected_with_401(tenant: Tenant, key: str) -> None:
    response = httpx.get(f"{tenant.api_url}/api/v1/workflows/{'0' * 32}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_right_prefix_with_wrong_secret_is_rejected_with_401(tenant: Tenant) -> None:
    prefix = tenant.key.split("_")[1]
    response = httpx.get(
        f"{tenant.api_url}/api/v1/workflows/{'0' * 32}", headers={"Authorization": f"Bearer hw_{prefix}_not-the-secret"}
    )
    assert response.status_code == 401


def test_body_that_is_not_json_gets_400_with_a_reason(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/api/v1/workflows", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["code"] == "invalid_json"
    assert body["message"]


@pytest.mark.parametrize("body", [[], "text", {"inputs": {}}])
def test_body_without_a_definition_object_gets_400(tenant: Tenant, body: object) -> None:
    response = tenant.client.post("/api/v1/workflows", json=body)
    assert response.status_code == 400, response.text


def test_inputs_that_are_not_an_object_get_400(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "inputs": [1, 2]}
    )
    assert response.status_code == 400
    assert "inputs" in response.json()["message"]


def test_nul_characters_in_the_body_get_400(tenant: Tenant) -> None:
    response = tenant.submit(load("three_shell_steps"), inputs={"name": "a\u0000b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]


def test_wrong_content_type_gets_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/workflows", content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_media_type"


def _broken(mutate: str) -> dict[str, object]:
    definition = copy.deepcopy(load("three_shell_steps"))
    tasks = definition["tasks"]
    if mutate == "unknown_dependency":
        tasks["combine"]["dependencies"] = ["nowhere"]
    elif mutate == "cycle":
        tasks["greet"]["dependencies"] = ["shout"]
    elif mutate == "unknown_tool":
        tasks["combine"]["function"] = "tools.nope.run"
    elif mutate == "bad_operator":
        tasks["combine"]["operator_type"] = "try_catch"
    elif mutate == "missing_function":
        del tasks["combine"]["function"]
    elif mutate == "bad_name":
        definition["name"] = "Bad Name"
    return definition


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        ("unknown_dependency", "task 'combine': field 'dependencies' names 'nowhere'"),
        ("cycle", "cycle"),
        ("unknown_tool", "task 'combine': field 'function': unknown tool 'tools.nope.run'"),
        ("bad_operator", "try_catch"),
        ("missing_function", "task 'combine': field 'function': Field required"),
        ("bad_name", "Bad Name"),
    ],
)
def test_invalid_workflow_gets_400_naming_the_problem(tenant: Tenant, mutate: str, expected: str) -> None:
    response = tenant.submit(_broken(mutate))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid_workflow"
    assert expected in body["message"]


def test_unknown_run_id_is_404(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/workflows/6f1c6f3a-0000-4000-8000-000000000000").status_code == 404
    assert tenant.client.get("/api/v1/workflows/not-a-uuid").status_code == 404


def test_another_tenants_run_is_404(make_tenant: object) -> None:
    owner, stranger = make_tenant(), make_tenant()  # type: ignore[operator]
    run_id = owner.submit(load("three_shell_steps"), inputs={"name": "x"}).json()["data"]["workflow_run_id"]
    assert stranger.client.get(f"/api/v1/workflows/{run_id}").status_code == 404
    assert owner.client.get(f"/api/v1/workflows/{run_id}").status_code == 200
