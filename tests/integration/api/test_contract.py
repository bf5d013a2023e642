"""The API keeps the contract its OpenAPI document states: checked by schemathesis against the real API process.

The short run here (a fixed seed, a few examples per operation) covers schemathesis' coverage, fuzzing and
stateful phases with the checks of `scripts/fuzz_api.py`; `make fuzz` runs the same for longer. The other tests
pin down what the fuzzer relies on: every POST declares X-Idempotency-Key, every link names a real operation,
and a malformed path parameter is the documented 404 (a NUL in the URL the documented 400), never a 500.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts import fuzz_api
from tests.integration.conftest import Tenant

IDEMPOTENCY_KEY_REF = "#/components/parameters/IdempotencyKey"
UNKNOWN_ID = "6f1c1d2e-0000-4000-8000-00000000000d"


def _document(api_url: str) -> dict[str, Any]:
    response = httpx.get(f"{api_url}{fuzz_api.OPENAPI_PATH}")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_post_declares_the_idempotency_key(api_url: str) -> None:
    missing = [
        f"{operation['operationId']} (POST {path})"
        for path, method, operation in _operations(_document(api_url))
        if method == "post" and {"$ref": IDEMPOTENCY_KEY_REF} not in operation["parameters"]
    ]
    assert not missing, f"POST operations without X-Idempotency-Key: {', '.join(sorted(missing))}"


def test_every_operation_taking_an_idempotency_key_documents_its_409(api_url: str) -> None:
    # A key replayed with another request is refused with 409 idempotency_conflict, on every such operation.
    undocumented = [
        operation["operationId"]
        for _, _, operation in _operations(_document(api_url))
        if {"$ref": IDEMPOTENCY_KEY_REF} in operation["parameters"] and "409" not in operation["responses"]
    ]
    assert not undocumented, f"no 409 documented: {', '.join(sorted(undocumented))}"


def test_every_link_names_an_operation_and_its_parameters(api_url: str) -> None:
    operations = {operation["operationId"]: operation for _, _, operation in _operations(_document(api_url))}
    links = [
        (operation["operationId"], name, link)
        for operation in operations.values()
        for response in operation["responses"].values()
        for name, link in response.get("links", {}).items()
    ]
    assert {source for source, _, _ in links} >= {"submit_workflow", "create_webhook", "create_admin_api_key"}
    for source, name, link in links:
        target = operations.get(link["operationId"])
        assert target is not None, f"{source} links ({name}) to no operation {link['operationId']!r}"
        declared = {parameter.get("name") for parameter in target["parameters"]}
        assert set(link["parameters"]) <= declared, f"{source}.{name}: {target['operationId']} takes {declared}"
        for expression in link["parameters"].values():
            assert re.fullmatch(r"\$response\.body#(/[\w]+)+", expression), f"{source}.{name}: {expression}"


def test_every_operation_with_a_path_parameter_documents_404_and_400(api_url: str) -> None:
    for path, method, operation in _operations(_document(api_url)):
        if "{" in path:
            assert {"400", "404"} <= set(operation["responses"]), f"{method.upper()} {path}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/workflows/not-a-uuid"),
        ("GET", f"/api/v1/workflows/{UNKNOWN_ID}x"),
        ("POST", "/api/v1/workflows/0/cancel"),
        ("GET", "/api/v1/webhooks/%C3%A9"),
        ("POST", f"/api/v1/webhooks/{UNKNOWN_ID}/deliveries/12/retry"),
        ("GET", "/api/v1/admin/audit-logs/99999999999999999999999"),
        ("DELETE", f"/api/v1/idempotency/{'k' * 300}"),
        ("DELETE", "/api/v1/idempotency/tab%09in"),
    ],
)
def test_a_malformed_path_parameter_is_a_404(tenant: Tenant, method: str, path: str) -> None:
    response = tenant.client.request(method, path)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_a_malformed_path_parameter_is_a_404_only_after_the_key_and_role_checks(tenant: Tenant) -> None:
    assert httpx.get(f"{tenant.api_url}/api/v1/workflows/not-a-uuid").status_code == 401
    assert tenant.client_as("viewer").post("/api/v1/workflows/not-a-uuid/cancel").status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/workflows/%00", "/api/v1/webhooks/a%00b/deliveries"])
def test_a_nul_in_a_path_parameter_is_a_400(tenant: Tenant, path: str) -> None:
    response = tenant.client.get(path)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_url"


@pytest.mark.timeout(900)
def test_the_api_keeps_its_openapi_contract(tenant: Tenant, tmp_path: Path) -> None:
    fuzz_api.require_loopback(tenant.api_url)
    commands = fuzz_api.runs(tenant.api_url, tenant.key, tmp_path, fuzz_api.SHORT_EXAMPLES, None, seed=13)
    finished = [subprocess.run(command, capture_output=True, text=True, timeout=600) for command in commands]
    failed = [run.stdout[-15_000:] + run.stderr[-3_000:] for run in finished if run.returncode != 0]
    assert not failed, "\n".join(failed)


def test_a_webhook_url_that_does_not_parse_is_a_400(tenant: Tenant) -> None:
    body = {"url": "https://\u00ed[\u00a9", "event_types": ["run.failed"]}
    response = tenant.client.post("/api/v1/webhooks", json=body)
    assert response.status_code == 400, response.text
    assert "url" in response.json()["message"]
