"""X-Idempotency-Key on retry, cancel and events: the same key and request answer the same, acting once."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _cancelled_run(tenant: Tenant) -> str:
    run_id: str = tenant.submit(load("three_shell_steps"), {"name": "i"}).json()["data"]["workflow_run_id"]
    assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200
    return run_id


def _with_key(tenant: Tenant, path: str, key: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return tenant.client.post(path, json=body, headers={"X-Idempotency-Key": key})


def _run_ids(tenant: Tenant) -> set[str]:
    items = tenant.client.get("/api/v1/workflows", params={"limit": 100}).json()["data"]["items"]
    return {item["workflow_run_id"] for item in items}


def test_retrying_twice_with_one_key_answers_the_same_new_run(tenant: Tenant) -> None:
    run_id = _cancelled_run(tenant)

    first = _with_key(tenant, f"/api/v1/workflows/{run_id}/retry", "r1")
    again = _with_key(tenant, f"/api/v1/workflows/{run_id}/retry", "r1")

    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["data"]["new_workflow_run_id"] == first.json()["data"]["new_workflow_run_id"]
    assert len(_run_ids(tenant)) == 2  # the cancelled run and one retry


def test_retrying_another_run_with_a_used_key_is_409_idempotency_conflict(tenant: Tenant) -> None:
    first_run, second_run = _cancelled_run(tenant), _cancelled_run(tenant)
    assert _with_key(tenant, f"/api/v1/workflows/{first_run}/retry", "r2").status_code == 201

    response = _with_key(tenant, f"/api/v1/workflows/{second_run}/retry", "r2")

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "idempotency_conflict"


def test_one_retry_key_in_two_tenants_makes_a_run_in_each(make_tenant: Any) -> None:
    one, other = make_tenant(), make_tenant()
    retried = [_with_key(t, f"/api/v1/workflows/{_cancelled_run(t)}/retry", "shared") for t in (one, other)]

    assert [response.status_code for response in retried] == [201, 201]
    assert retried[0].json()["data"]["new_workflow_run_id"] != retried[1].json()["data"]["new_workflow_run_id"]


def test_cancelling_again_with_the_same_key_answers_the_first_answer(tenant: Tenant) -> None:
    run_id: str = tenant.submit(load("three_shell_steps"), {"name": "c"}).json()["data"]["workflow_run_id"]

    first = _with_key(tenant, f"/api/v1/workflows/{run_id}/cancel", "c1")
    again = _with_key(tenant, f"/api/v1/workflows/{run_id}/cancel", "c1")
    unkeyed = tenant.client.post(f"/api/v1/workflows/{run_id}/cancel")

    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["data"] == first.json()["data"] == {"workflow_run_id": run_id, "state": "cancelled"}
    assert unkeyed.status_code == 409  # without the key, a cancel of a cancelled run says why it cannot


def test_posting_an_event_again_with_the_same_key_keeps_it_once(tenant: Tenant) -> None:
    run_id: str = tenant.submit(load("wait_for_approval"), {"order": "e1"}).json()["data"]["workflow_run_id"]
    body = {"event_name": "approval_e1", "payload": {"by": "ada"}}

    first = _with_key(tenant, f"/api/v1/workflows/{run_id}/events", "e1", body)
    again = _with_key(tenant, f"/api/v1/workflows/{run_id}/events", "e1", body)
    keyless = tenant.client.post(f"/api/v1/workflows/{run_id}/events", json=body)  # another post, kept too
    emitted = tenant.client.get(f"/api/v1/workflows/{run_id}/events").json()["data"]["emitted"]

    assert first.status_code == again.status_code == keyless.status_code == 201, again.text
    assert again.json()["data"]["sequence"] == first.json()["data"]["sequence"] < keyless.json()["data"]["sequence"]
    assert len(emitted) == 2


def test_posting_another_event_with_a_used_key_is_409_and_keeps_nothing(tenant: Tenant) -> None:
    run_id: str = tenant.submit(load("wait_for_approval"), {"order": "e2"}).json()["data"]["workflow_run_id"]
    path = f"/api/v1/workflows/{run_id}/events"
    _with_key(tenant, path, "e2", {"event_name": "approval_e2", "payload": {"by": "ada"}})

    response = _with_key(tenant, path, "e2", {"event_name": "approval_e2", "payload": {"by": "grace"}})
    emitted = tenant.client.get(path).json()["data"]["emitted"]

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "idempotency_conflict"
    assert [event["payload"] for event in emitted] == [{"by": "ada"}]


def test_requeueing_a_delivery_checks_its_key_and_stores_nothing_when_it_is_refused(tenant: Tenant) -> None:
    created = tenant.client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["run.completed"]}
    )
    assert created.status_code == 201, created.text
    path = f"/api/v1/webhooks/{created.json()['data']['webhook_id']}/deliveries/{uuid.uuid4()}/retry"
    bad = tenant.client.post(path, headers={"X-Idempotency-Key": b"caf\xe9"})  # type: ignore[dict-item]
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_idempotency_key")
    # An unknown delivery is a 404 each time: a refused request keeps no answer under its key.
    assert [_with_key(tenant, path, "requeue-1").status_code for _ in range(2)] == [404, 404]
