"""Managing webhooks over the API: secrets shown once, clear refusals, roles and tenants."""

from __future__ import annotations

from tests.integration.conftest import Tenant
from tests.integration.webhooks.conftest import subscribe

URL = "https://hooks.example.com/highway"


def test_created_webhook_answers_a_standard_webhooks_secret_once(tenant: Tenant) -> None:
    created = subscribe(tenant, URL, ["run.completed", "run.failed"], description="ops")

    listed = tenant.client.get("/api/v1/webhooks").json()["data"]["items"]
    read = tenant.client.get(f"/api/v1/webhooks/{created['webhook_id']}").json()["data"]

    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["run.completed", "run.failed"]
    assert created["state"] == "active"
    assert [w["webhook_id"] for w in listed] == [created["webhook_id"]]
    assert "secret" not in listed[0] and "secret" not in read
    assert read["description"] == "ops"


def test_same_idempotency_key_answers_the_same_webhook_and_secret(tenant: Tenant) -> None:
    body = {"url": URL, "event_types": ["run.completed"]}
    first = tenant.client.post("/api/v1/webhooks", json=body, headers={"X-Idempotency-Key": "hook-1"})
    again = tenant.client.post("/api/v1/webhooks", json=body, headers={"X-Idempotency-Key": "hook-1"})
    other = tenant.client.post(
        "/api/v1/webhooks", json={**body, "description": "x"}, headers={"X-Idempotency-Key": "hook-1"}
    )

    assert first.status_code == again.status_code == 201
    assert first.json()["data"] == again.json()["data"]
    assert other.status_code == 409
    assert len(tenant.client.get("/api/v1/webhooks").json()["data"]["items"]) == 1


def test_bad_subscriptions_are_refused_with_the_field_named(tenant: Tenant) -> None:
    cases = {
        "ftp://example.com/x": ["run.completed"],
        "https://": ["run.completed"],
        URL: ["run.finished"],
        "http://169.254.169.254/latest/meta-data": ["run.completed"],
    }
    answers = [tenant.client.post("/api/v1/webhooks", json={"url": u, "event_types": t}) for u, t in cases.items()]
    typo = tenant.client.post("/api/v1/webhooks", json={"url": URL, "event_type": ["run.completed"]})

    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert "'url'" in answers[0].json()["message"]
    assert "run.finished" in answers[2].json()["message"]
    assert "link-local" in answers[3].json()["message"]
    assert typo.status_code == 400
    assert "event_type" in typo.json()["message"]


def test_rotated_secret_differs_and_is_shown_once(tenant: Tenant) -> None:
    created = subscribe(tenant, URL, ["run.completed"])

    rotated = tenant.client.post(f"/api/v1/webhooks/{created['webhook_id']}/rotate-secret")

    assert rotated.status_code == 200
    assert rotated.json()["data"]["secret"].startswith("whsec_")
    assert rotated.json()["data"]["secret"] != created["secret"]


def test_viewers_read_webhooks_but_cannot_change_them(tenant: Tenant) -> None:
    created = subscribe(tenant, URL, ["run.completed"])
    viewer = tenant.client_as("viewer")

    assert viewer.get("/api/v1/webhooks").status_code == 200
    assert viewer.post("/api/v1/webhooks", json={"url": URL, "event_types": ["run.completed"]}).status_code == 403
    assert viewer.delete(f"/api/v1/webhooks/{created['webhook_id']}").status_code == 403


def test_another_tenants_webhook_is_not_found(make_tenant: object, tenant: Tenant) -> None:
    created = subscribe(tenant, URL, ["run.completed"])
    other = make_tenant()  # type: ignore[operator]
    path = f"/api/v1/webhooks/{created['webhook_id']}"

    assert other.client.get(path).status_code == 404
    assert other.client.delete(path).status_code == 404
    assert other.client.get(f"{path}/deliveries").status_code == 404
    assert tenant.client.get("/api/v1/webhooks/not-a-uuid").status_code == 404


def test_deleted_webhook_is_gone(tenant: Tenant) -> None:
    created = subscribe(tenant, URL, ["run.completed"])

    deleted = tenant.client.delete(f"/api/v1/webhooks/{created['webhook_id']}")

    assert deleted.status_code == 200
    assert tenant.client.get(f"/api/v1/webhooks/{created['webhook_id']}").status_code == 404
