"""API keys through the API: create (shown once), list (never secrets), revoke (refused at once through this
API process; within the principal cache's bound when revoked elsewhere)."""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import httpx

from hwe import db, tenants
from services.api import _principals
from tests.integration.conftest import Tenant


def _client(tenant: Tenant, key: str) -> httpx.Client:
    client = httpx.Client(base_url=tenant.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    tenant.clients.append(client)
    return client


def test_created_key_is_returned_in_full_and_works_with_its_role(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/keys", json={"role": "viewer"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["role"] == "viewer"
    assert data["key"].startswith(f"hw_{data['prefix']}_")
    assert data["created_at"]
    viewer = _client(tenant, data["key"])
    assert viewer.get("/api/v1/workflows").status_code == 200
    assert viewer.get("/api/v1/keys").status_code == 403


def test_key_list_shows_prefix_role_and_dates_but_no_secret_or_hash(tenant: Tenant) -> None:
    created = tenant.client.post("/api/v1/keys", json={"role": "operator"}).json()["data"]
    response = tenant.client.get("/api/v1/keys")
    assert response.status_code == 200
    items = response.json()["data"]["items"]
    assert {item["prefix"] for item in items} == {tenant.key.split("_")[1], created["prefix"]}
    assert all(set(item) == {"prefix", "role", "created_at", "revoked_at"} for item in items)
    assert created["key"].split("_", 2)[2] not in response.text
    assert "argon2" not in response.text


def test_revoked_key_is_refused_at_once(tenant: Tenant) -> None:
    created = tenant.client.post("/api/v1/keys", json={"role": "operator"}).json()["data"]
    operator = _client(tenant, created["key"])
    assert operator.get("/api/v1/workflows").status_code == 200
    revoked = tenant.client.delete(f"/api/v1/keys/{created['prefix']}")
    assert revoked.status_code == 200
    assert revoked.json()["data"]["revoked_at"]
    assert operator.get("/api/v1/workflows").status_code == 401


def test_a_key_revoked_outside_this_api_process_is_refused_once_the_cache_bound_has_passed(
    tenant: Tenant, database_url: str
) -> None:
    key = tenant.client.post("/api/v1/keys", json={"role": "operator"}).json()["data"]["key"]
    operator = _client(tenant, key)
    assert operator.get("/api/v1/workflows").status_code == 200  # the API now holds the key in its cache
    with db.connect(database_url) as conn:  # as another API replica (or an operator in psql) would
        tenants.revoke_api_key(conn, tenant.tenant_id, key.split("_")[1])
    time.sleep(_principals.TTL_SECONDS + 0.1)
    refused = operator.get("/api/v1/workflows")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"


def test_a_cached_key_with_another_secret_is_refused(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/workflows").status_code == 200
    prefix = tenant.key.split("_")[1]
    forged = _client(tenant, f"hw_{prefix}_{secrets.token_urlsafe(24)}")
    assert forged.get("/api/v1/workflows").status_code == 401


def test_revoked_key_is_listed_with_its_revocation_time(tenant: Tenant) -> None:
    created = tenant.client.post("/api/v1/keys", json={"role": "viewer"}).json()["data"]
    revoked_at = tenant.client.delete(f"/api/v1/keys/{created['prefix']}").json()["data"]["revoked_at"]
    items = tenant.client.get("/api/v1/keys").json()["data"]["items"]
    assert [item["revoked_at"] for item in items if item["prefix"] == created["prefix"]] == [revoked_at]


def test_revoking_a_key_twice_keeps_the_first_revocation_time(tenant: Tenant) -> None:
    created = tenant.client.post("/api/v1/keys", json={"role": "viewer"}).json()["data"]
    first = tenant.client.delete(f"/api/v1/keys/{created['prefix']}").json()["data"]["revoked_at"]
    second = tenant.client.delete(f"/api/v1/keys/{created['prefix']}")
    assert second.status_code == 200
    assert second.json()["data"]["revoked_at"] == first


def test_revoking_an_unknown_prefix_is_404(tenant: Tenant) -> None:
    response = tenant.client.delete("/api/v1/keys/ffffffffffff")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_same_idempotency_key_and_body_return_the_same_key(tenant: Tenant) -> None:
    headers = {"X-Idempotency-Key": "ci-key-1"}
    first = tenant.client.post("/api/v1/keys", json={"role": "operator"}, headers=headers)
    second = tenant.client.post("/api/v1/keys", json={"role": "operator"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["data"] == second.json()["data"]
    assert len(tenant.client.get("/api/v1/keys").json()["data"]["items"]) == 2
    assert _client(tenant, second.json()["data"]["key"]).get("/api/v1/workflows").status_code == 200


def test_same_idempotency_key_with_another_body_is_409(tenant: Tenant) -> None:
    headers = {"X-Idempotency-Key": "ci-key-2"}
    assert tenant.client.post("/api/v1/keys", json={"role": "operator"}, headers=headers).status_code == 201
    response = tenant.client.post("/api/v1/keys", json={"role": "viewer"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"


def test_unknown_role_is_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/keys", json={"role": "root"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_role"


def test_key_request_without_a_role_is_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/keys", json={})
    assert response.status_code == 400
    assert response.json()["code"] == "missing_field"


def test_key_request_without_a_body_is_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/keys")
    assert response.status_code == 400
    assert response.json()["code"] == "missing_body"


def test_key_request_with_an_unknown_field_is_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/keys", json={"role": "viewer", "tenant_id": "someone-else"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"


def test_concurrent_creations_with_one_idempotency_key_create_one_key(tenant: Tenant) -> None:
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        futures = [
            pool.submit(tenant.client.post, "/api/v1/keys", json={"role": "viewer"}, headers={"X-Idempotency-Key": "b"})
            for _ in range(8)
        ]
        responses = [future.result() for future in as_completed(futures, timeout=30)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["data"]["key"] for r in responses}) == 1
    assert len(tenant.client.get("/api/v1/keys").json()["data"]["items"]) == 2
