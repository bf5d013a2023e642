"""highway-sdk 1.0.1's admin api-keys operations and tenant list: named keys with expiry, revocation that takes
effect at once, rotation in one transaction, tenant scope, and clear refusals."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from hwe import db
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant


def _create(tenant: Tenant, body: dict[str, object]) -> dict[str, Any]:
    response = tenant.client.post("/api/v1/admin/api-keys", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _bearer(tenant: Tenant, key: str) -> httpx.Client:
    client = httpx.Client(base_url=tenant.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    tenant.clients.append(client)
    return client


def test_a_named_key_is_created_listed_fetched_and_parsed_by_the_sdk(
    tenant: Tenant, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.APIKeysApi(sdk_client("admin"))
    created = sdk_call(api, "post_api_v1_admin_api_keys", body={"name": "CI pipeline", "role": "viewer"})["data"]
    assert created["api_key"].startswith(created["key_prefix"] + "_")
    assert created["status"] == "active" and created["role"] == "viewer" and created["name"] == "CI pipeline"
    # The SDK's own models read our answers.
    highway_sdk.SuccessResponseApiKeyCreateResponseE7ebca9.from_dict({"status": "success", "data": created})
    listed = api.get_api_v1_admin_api_keys()
    assert created["api_key_id"] in {key.api_key_id for key in listed.data.api_keys}
    assert listed.data.total == len(listed.data.api_keys)
    fetched = api.get_api_v1_admin_api_keysapi_key_id(created["api_key_id"])
    assert fetched.data.name == "CI pipeline" and fetched.data.status.value == "active"
    assert fetched.data.rate_limit > 0
    assert "key_hash" not in tenant.client.get(f"/api/v1/admin/api-keys/{created['api_key_id']}").text
    viewer = _bearer(tenant, created["api_key"])
    assert viewer.get("/api/v1/workflows").status_code == 200
    assert viewer.get("/api/v1/admin/api-keys").status_code == 403


def test_revocation_refuses_the_key_at_once_and_a_second_revocation_is_a_conflict(
    tenant: Tenant, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.APIKeysApi(sdk_client("admin"))
    created = sdk_call(api, "post_api_v1_admin_api_keys", body={"name": "to revoke", "role": "operator"})["data"]
    user = _bearer(tenant, created["api_key"])
    assert user.get("/api/v1/workflows").status_code == 200
    revoked = api.delete_api_v1_admin_api_keysapi_key_id(created["api_key_id"])
    assert revoked.data.status == "revoked"
    assert user.get("/api/v1/workflows").status_code == 401
    with pytest.raises(ApiException) as refused:
        api.delete_api_v1_admin_api_keysapi_key_id(created["api_key_id"])
    assert refused.value.status == 409 and "already_revoked" in str(refused.value.body)
    # The name is free again once its key is revoked.
    again = tenant.client.post("/api/v1/admin/api-keys", json={"name": "to revoke", "role": "viewer"})
    assert again.status_code == 201, again.text


def test_rotation_swaps_the_keys_in_one_step_and_keeps_name_and_role(
    tenant: Tenant, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.APIKeysApi(sdk_client("admin"))
    old = sdk_call(api, "post_api_v1_admin_api_keys", body={"name": "deployer", "role": "operator"})["data"]
    old_client = _bearer(tenant, old["api_key"])
    assert old_client.get("/api/v1/workflows").status_code == 200
    rotated = api.post_api_v1_admin_api_keysapi_key_id_rotate(old["api_key_id"]).data
    assert rotated.old_key_revoked and rotated.new_api_key.startswith(rotated.new_key_prefix + "_")
    assert old_client.get("/api/v1/workflows").status_code == 401
    new_client = _bearer(tenant, rotated.new_api_key)
    assert new_client.get("/api/v1/workflows").status_code == 200
    assert new_client.post("/api/v1/workflows", json={}).status_code == 400  # operator: may submit, body refused
    new = tenant.client.get(f"/api/v1/admin/api-keys/{rotated.api_key_id}").json()["data"]
    assert (new["name"], new["role"], new["status"]) == ("deployer", "operator", "active")
    with pytest.raises(ApiException) as refused:
        api.post_api_v1_admin_api_keysapi_key_id_rotate(old["api_key_id"])
    assert refused.value.status == 409


def test_rotation_replayed_with_its_idempotency_key_answers_the_same_new_key(tenant: Tenant) -> None:
    old = _create(tenant, {"name": "replayed", "role": "viewer"})
    headers = {"X-Idempotency-Key": "rotate-once"}
    first = tenant.client.post(f"/api/v1/admin/api-keys/{old['api_key_id']}/rotate", headers=headers)
    second = tenant.client.post(f"/api/v1/admin/api-keys/{old['api_key_id']}/rotate", headers=headers)
    assert first.status_code == second.status_code == 200, second.text
    assert first.json()["data"]["new_api_key"] == second.json()["data"]["new_api_key"]
    assert _bearer(tenant, first.json()["data"]["new_api_key"]).get("/api/v1/workflows").status_code == 200


def test_an_expired_key_is_refused_and_listed_as_expired(tenant: Tenant, database_url: str) -> None:
    expires = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()
    body = {"name": "short-lived", "role": "viewer", "expires_at": expires}
    created = _create(tenant, body)
    client = _bearer(tenant, created["api_key"])
    assert client.get("/api/v1/workflows").status_code == 200
    with db.connect(database_url) as conn, conn.transaction():  # an hour passes
        conn.execute(
            "UPDATE hwe.api_key SET expires_at = now() - interval '1 second' WHERE key_id = %s",
            (created["api_key_id"],),
        )
    # Refused from the next lookup, at most the principal cache's second later.
    deadline = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=5)
    while client.get("/api/v1/workflows").status_code != 401:
        assert datetime.datetime.now(datetime.UTC) < deadline, "the expired key was still accepted"
    fetched = tenant.client.get(f"/api/v1/admin/api-keys/{created['api_key_id']}").json()["data"]
    assert fetched["status"] == "expired"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "viewer"}, "invalid_name"),
        ({"name": "x", "role": "root"}, "invalid_role"),
        ({"name": "x", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}, "invalid_expires_at"),
        ({"name": "x", "role": "viewer", "expires_at": "soon"}, "invalid_expires_at"),
        ({"name": "x", "role": "viewer", "permissions": ["view_workflows"]}, "unsupported_permissions"),
        ({"name": "x", "role": "viewer", "ip_whitelist": ["10.0.0.1"]}, "unsupported_ip_whitelist"),
        ({"name": "x", "role": "viewer", "colour": "red"}, "unknown_field"),
    ],
)
def test_a_bad_key_request_is_a_400_naming_what_is_wrong(tenant: Tenant, body: dict[str, object], code: str) -> None:
    response = tenant.client.post("/api/v1/admin/api-keys", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code


def test_a_live_name_is_unique_within_a_tenant_not_across_tenants(make_tenant: Callable[[], Tenant]) -> None:
    ours, theirs = make_tenant(), make_tenant()
    body = {"name": "shared name", "role": "viewer"}
    assert ours.client.post("/api/v1/admin/api-keys", json=body).status_code == 201
    taken = ours.client.post("/api/v1/admin/api-keys", json=body)
    assert taken.status_code == 409 and taken.json()["code"] == "name_taken"
    assert theirs.client.post("/api/v1/admin/api-keys", json=body).status_code == 201


def test_keys_of_another_tenant_are_not_found_and_not_listed(make_tenant: Callable[[], Tenant]) -> None:
    ours, theirs = make_tenant(), make_tenant()
    created = _create(ours, {"name": "ours", "role": "viewer"})
    path = f"/api/v1/admin/api-keys/{created['api_key_id']}"
    assert theirs.client.get(path).status_code == 404
    assert theirs.client.delete(path).status_code == 404
    assert theirs.client.post(f"{path}/rotate").status_code == 404
    listed = theirs.client.get("/api/v1/admin/api-keys").json()["data"]["api_keys"]
    assert created["api_key_id"] not in {key["api_key_id"] for key in listed}
    assert ours.client.get(path).json()["data"]["status"] == "active"


def test_operators_and_viewers_cannot_manage_keys(tenant: Tenant) -> None:
    for role in ("operator", "viewer"):
        client = tenant.client_as(role)
        assert client.get("/api/v1/admin/api-keys").status_code == 403
        assert client.post("/api/v1/admin/api-keys", json={"name": "n", "role": "admin"}).status_code == 403


def test_the_tenant_list_is_every_tenant_for_default_admins_and_only_its_own_otherwise(
    bootstrap_admin: Tenant, make_tenant: Callable[[], Tenant]
) -> None:
    other = make_tenant()
    everyone = highway_sdk.TenantsApi(
        highway_sdk.ApiClient(highway_sdk.Configuration(host=bootstrap_admin.api_url, access_token=bootstrap_admin.key))
    )
    listed = sdk_call(everyone, "get_api_v1_tenants")["data"]
    assert {"default", other.tenant_id} <= set(listed["tenants"]) and listed["total"] == len(listed["tenants"])
    assert other.client.get("/api/v1/tenants").json()["data"] == {"tenants": [other.tenant_id], "total": 1}
    assert other.client_as("operator").get("/api/v1/tenants").status_code == 403
