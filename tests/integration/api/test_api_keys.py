"""API keys through the API: the full key shown once, lists without secrets, revocation refused at once through
this API process (within the principal cache's bound when revoked elsewhere), idempotent creation."""

from __future__ import annotations

import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import httpx

from hwe import db, tenants
from services.api import _principals
from tests.integration.conftest import Tenant

KEYS = "/api/v1/admin/api-keys"


def _client(tenant: Tenant, key: str) -> httpx.Client:
    client = httpx.Client(base_url=tenant.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    tenant.clients.append(client)
    return client


def _keys(tenant: Tenant) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = tenant.client.get(KEYS).json()["data"]["api_keys"]
    return keys


def test_key_list_shows_every_key_named_or_not_but_no_secret_or_hash(tenant: Tenant) -> None:
    created = tenant.client.post(KEYS, json={"name": "ci", "role": "operator"}).json()["data"]
    response = tenant.client.get(KEYS)
    assert response.status_code == 200
    items = response.json()["data"]["api_keys"]
    # The tenant's first key was made outside the API, with no name.
    assert [(item["key_prefix"], item["name"]) for item in items] == [
        ("hw_" + tenant.key.split("_")[1], ""),
        (created["key_prefix"], "ci"),
    ]
    fields = {"api_key_id", "key_prefix", "name", "description", "role", "status", "created_at", "created_by"}
    assert all(set(item) == fields | {"expires_at", "revoked_at", "rate_limit"} for item in items)
    assert created["api_key"].split("_", 2)[2] not in response.text
    assert "hmac" not in response.text and "argon2" not in response.text


def test_a_key_revoked_outside_this_api_process_is_refused_once_the_cache_bound_has_passed(
    tenant: Tenant, database_url: str
) -> None:
    created = tenant.client.post(KEYS, json={"name": "elsewhere", "role": "operator"}).json()["data"]
    operator = _client(tenant, created["api_key"])
    assert operator.get("/api/v1/workflows").status_code == 200  # the API now holds the key in its cache
    with db.connect(database_url) as conn, conn.transaction():  # as another API replica would
        tenants.revoke_api_key_by_id(conn, tenant.tenant_id, uuid.UUID(created["api_key_id"]))
    time.sleep(_principals.TTL_SECONDS + 0.1)
    refused = operator.get("/api/v1/workflows")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"


def test_a_cached_key_with_another_secret_is_refused(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/workflows").status_code == 200
    prefix = tenant.key.split("_")[1]
    forged = _client(tenant, f"hw_{prefix}_{secrets.token_urlsafe(24)}")
    assert forged.get("/api/v1/workflows").status_code == 401


def test_a_revoked_key_is_listed_with_its_revocation_time(tenant: Tenant) -> None:
    created = tenant.client.post(KEYS, json={"name": "revoked", "role": "viewer"}).json()["data"]
    assert tenant.client.delete(f"{KEYS}/{created['api_key_id']}").status_code == 200
    [listed] = [key for key in _keys(tenant) if key["api_key_id"] == created["api_key_id"]]
    assert listed["status"] == "revoked" and listed["revoked_at"]


def test_revoking_an_unknown_key_is_404(tenant: Tenant) -> None:
    response = tenant.client.delete(f"{KEYS}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_same_idempotency_key_and_body_return_the_same_key(tenant: Tenant) -> None:
    headers, body = {"X-Idempotency-Key": "ci-key-1"}, {"name": "once", "role": "operator"}
    first = tenant.client.post(KEYS, json=body, headers=headers)
    second = tenant.client.post(KEYS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["data"] == second.json()["data"]
    assert len(_keys(tenant)) == 2
    assert _client(tenant, second.json()["data"]["api_key"]).get("/api/v1/workflows").status_code == 200


def test_same_idempotency_key_with_another_body_is_409(tenant: Tenant) -> None:
    headers = {"X-Idempotency-Key": "ci-key-2"}
    assert tenant.client.post(KEYS, json={"name": "a", "role": "operator"}, headers=headers).status_code == 201
    response = tenant.client.post(KEYS, json={"name": "a", "role": "viewer"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"


def test_key_request_without_a_body_is_400(tenant: Tenant) -> None:
    response = tenant.client.post(KEYS)
    assert response.status_code == 400
    assert response.json()["code"] == "missing_body"


def test_concurrent_creations_with_one_idempotency_key_create_one_key(tenant: Tenant) -> None:
    body, headers = {"name": "raced", "role": "viewer"}, {"X-Idempotency-Key": "b"}
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        futures = [pool.submit(tenant.client.post, KEYS, json=body, headers=headers) for _ in range(8)]
        responses = [future.result() for future in as_completed(futures, timeout=30)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["data"]["api_key"] for r in responses}) == 1
    assert len(_keys(tenant)) == 2
