"""Changes made through the API are in the audit trail: who (tenant, key), what (route, resource), and how it ended.

A change's record is written in the change's transaction; a refused change rolls back and its record is then
written in a transaction of its own. Records never hold a request body, a secret or a workflow value.
"""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import Tenant
from tests.workflow_examples import load

LIST = "/api/v1/admin/audit-logs"


def _requests(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    response = tenant.client.get(LIST, params={"event_type": "api_request", "per_page": "200", **params})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["data"]["audit_logs"]
    return records


def test_a_change_is_recorded_with_its_key_route_and_resource_but_no_body_or_secret(tenant: Tenant) -> None:
    created = tenant.client.post(
        "/api/v1/webhooks", json={"url": "https://hooks.example.com/planted-path-91", "event_types": ["run.failed"]}
    )
    webhook_id = created.json()["data"]["webhook_id"]
    secret = created.json()["data"]["secret"]
    assert tenant.client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 200

    deleted, made = _requests(tenant, resource_type="webhook")

    assert (made["detail"]["method"], made["detail"]["route"], made["resource_id"]) == (
        "POST",
        "/api/v1/webhooks",
        None,
    )
    assert (deleted["detail"]["route"], deleted["resource_id"]) == ("/api/v1/webhooks/{webhook_id}", webhook_id)
    assert {made["detail"]["outcome"], deleted["detail"]["outcome"]} == {"ok"}
    assert tenant.key.startswith(f"hw_{made['detail']['key_prefix']}_")
    assert made["detail"]["request_id"] == created.headers["x-request-id"]
    text = json.dumps([made, deleted])
    assert secret not in text
    assert "planted-path-91" not in text


def test_a_refused_change_leaves_only_its_refusal_recorded(tenant: Tenant) -> None:
    broken = load("three_shell_steps")
    broken["tasks"]["combine"]["dependencies"] = ["missing"]

    refused = tenant.submit(broken, {"name": "planted-input-33"})

    assert refused.status_code == 400
    assert tenant.client.get("/api/v1/workflows").json()["data"]["items"] == []
    [record] = _requests(tenant)
    assert (record["detail"]["route"], record["detail"]["outcome"]) == ("/api/v1/workflows", "InvalidWorkflow")
    assert record["workflow_run_id"] is None
    assert "planted-input-33" not in json.dumps(record)


def test_a_rolled_back_change_keeps_no_record_of_success(tenant: Tenant) -> None:
    keys_path = "/api/v1/admin/api-keys"
    first = tenant.client.post(keys_path, json={"name": "ci", "role": "viewer"}, headers={"X-Idempotency-Key": "k-1"})
    other = {"name": "ci", "role": "operator"}
    conflict = tenant.client.post(keys_path, json=other, headers={"X-Idempotency-Key": "k-1"})

    outcomes = [r["detail"]["outcome"] for r in _requests(tenant, resource_type="api_key")]

    assert (first.status_code, conflict.status_code) == (201, 409)
    assert outcomes == ["IdempotencyConflict", "ok"]
    keys = tenant.client.get(keys_path).json()["data"]["api_keys"]
    assert [key["role"] for key in keys].count("operator") == 0


def test_reads_leave_no_record(tenant: Tenant) -> None:
    tenant.client.get("/api/v1/workflows")
    tenant.client.get("/api/v1/webhooks")

    assert _requests(tenant) == []


def test_a_runs_trail_shows_who_cancelled_it(tenant: Tenant) -> None:
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    operator = tenant.client_as("operator")
    assert operator.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200

    records = _requests(tenant, workflow_run_id=run_id)

    assert [r["detail"]["route"] for r in records] == [
        "/api/v1/workflows/{workflow_run_id}/cancel",
        "/api/v1/workflows",
    ]
    assert records[0]["detail"]["key_prefix"] != records[1]["detail"]["key_prefix"]


def test_a_submission_and_its_repeats_are_each_recorded_after_the_runs_submitted_record(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    first = tenant.submit(definition, {"name": "x"}, idempotency_key="same-1")
    repeat = tenant.submit(definition, {"name": "x"}, idempotency_key="same-1")
    conflict = tenant.submit(definition, {"name": "y"}, idempotency_key="same-1")
    run_id = first.json()["data"]["workflow_run_id"]

    response = tenant.client.get(LIST, params={"workflow_run_id": run_id, "per_page": "200"})
    records = list(reversed(response.json()["data"]["audit_logs"]))

    assert (first.status_code, repeat.status_code, conflict.status_code) == (201, 201, 409)
    assert repeat.json()["data"]["workflow_run_id"] == run_id
    assert [(r["event_type"], r["detail"].get("outcome")) for r in records] == [
        ("submitted", None),
        ("api_request", "ok"),
        ("api_request", "ok"),
    ]
    assert [r["detail"]["request_id"] for r in records[1:]] == [
        first.headers["x-request-id"],
        repeat.headers["x-request-id"],
    ]
    refusals = [r for r in _requests(tenant) if r["detail"]["outcome"] == "IdempotencyConflict"]
    assert [r["detail"]["request_id"] for r in refusals] == [conflict.headers["x-request-id"]]
