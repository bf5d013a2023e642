"""highway-sdk 1.0.1's people operations against the real API: users and their roles, rbac derived from the
roles the API enforces, personal tokens that act with their owner's role of the moment, and invitations
delivered through the development outbox and accepted once."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from hwe import db
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant, wait_until

PASSWORD = "correct horse battery staple"


def _address() -> str:
    return f"p-{uuid.uuid4().hex[:10]}@example.com"


def _refused(call: Callable[[], Any], status: int, code: str) -> None:
    with pytest.raises(ApiException) as refused:
        call()
    assert refused.value.status == status, refused.value.body
    assert f'"{code}"' in str(refused.value.body), refused.value.body


def _bearer(tenant: Tenant, key: str) -> httpx.Client:
    client = httpx.Client(base_url=tenant.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    tenant.clients.append(client)
    return client


def _outbox_link(service_env: dict[str, str], to: str) -> str:
    """The link of the newest invitation mailed to `to`, read from the development outbox."""
    found = []
    for path in (Path(service_env["HWE_STATE_DIR"]) / "outbox").glob("invitation-*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            found.append((path.stat().st_mtime_ns, message.get_content()))
    assert found, f"no invitation to {to} in the outbox"
    match = re.search(r"http\S+/ui/invitations/accept\?token=[\w-]+", max(found)[1])
    assert match is not None
    return match.group(0)


def _token_of(link: str) -> str:
    return link.split("token=", 1)[1]


@pytest.fixture
def users(sdk_client: Callable[[str], highway_sdk.ApiClient]) -> highway_sdk.UsersApi:
    return highway_sdk.UsersApi(sdk_client("admin"))


def test_a_user_is_added_listed_changed_and_removed(tenant: Tenant, users: highway_sdk.UsersApi) -> None:
    address = _address()
    body = {"email": address.upper(), "roles": ["viewer"], "display_name": "Ada"}
    created = sdk_call(users, "post_api_v1_users", body=body)["data"]
    assert created["email"] == address and created["roles"] == ["viewer"] and created["role"] == "viewer"
    assert created["is_active"] is True and created["has_password"] is False
    assert "password_hash" not in str(created)
    _refused(
        lambda: sdk_call(users, "post_api_v1_users", body={"email": address, "role": "viewer"}), 409, "user_exists"
    )

    listed = sdk_call(users, "get_api_v1_users", query={"role": "viewer", "per_page": "200"})["data"]
    assert address in {user["email"] for user in listed["users"]} and listed["per_page"] == 200
    assert sdk_call(users, "get_api_v1_users", query={"role": "admin"})["data"]["total"] == 0

    changed = sdk_call(users, "post_api_v1_usersemail_roles", address, body={"role": "operator"})["data"]
    assert changed["roles"] == ["operator", "viewer"] and changed["role"] == "operator"
    fetched = sdk_call(users, "get_api_v1_usersemail", address)["data"]
    assert fetched["role"] == "operator" and fetched["display_name"] == "Ada"
    removed = sdk_call(users, "delete_api_v1_usersemail_rolesrole", address, "viewer")["data"]
    assert removed["roles"] == ["operator"]
    _refused(lambda: sdk_call(users, "delete_api_v1_usersemail_rolesrole", address, "operator"), 400, "last_role")
    _refused(lambda: sdk_call(users, "delete_api_v1_usersemail_rolesrole", address, "admin"), 404, "not_found")
    patched = sdk_call(users, "patch_api_v1_usersemail", address, body={"roles": ["admin"], "display_name": "A."})
    assert patched["data"]["roles"] == ["admin"] and patched["data"]["display_name"] == "A."

    sdk_call(users, "delete_api_v1_usersemail", address)
    _refused(lambda: sdk_call(users, "get_api_v1_usersemail", address), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "not-an-email", "role": "viewer"}, "invalid_email"),
        ({"email": "a@example.com", "role": "owner"}, "invalid_role"),
        ({"email": "a@example.com", "roles": []}, "invalid_role"),
        ({"email": "a@example.com", "role": "viewer", "roles": ["viewer"]}, "invalid_role"),
        ({"email": "a@example.com", "role": "viewer", "password": "x"}, "unknown_field"),
    ],
)
def test_a_bad_user_is_refused_with_a_reason(users: highway_sdk.UsersApi, body: dict[str, Any], code: str) -> None:
    _refused(lambda: sdk_call(users, "post_api_v1_users", body=body), 400, code)


def test_only_admins_manage_people(tenant: Tenant) -> None:
    operator = tenant.client_as("operator")
    assert operator.get("/api/v1/users").status_code == 403
    assert operator.post("/api/v1/users", json={"email": _address(), "role": "admin"}).status_code == 403
    assert operator.get("/api/v1/admin/tokens").status_code == 403
    assert operator.get("/api/v1/admin/invitations").status_code == 403


def test_a_personal_token_acts_with_its_owners_role_of_the_moment(
    tenant: Tenant, users: highway_sdk.UsersApi, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    address = _address()
    sdk_call(users, "post_api_v1_users", body={"email": address, "role": "viewer"})
    tokens = highway_sdk.TokensApi(sdk_client("admin"))
    body = {"user_email": address, "expires_in_hours": 2, "description": "laptop"}
    created = sdk_call(tokens, "post_api_v1_admin_tokens", body=body)["data"]
    assert created["token"].startswith(created["key_prefix"] + "_") and created["status"] == "active"
    person = _bearer(tenant, created["token"])
    mine = person.get("/api/v1/rbac/my-roles").json()["data"]
    assert mine["user_email"] == address and [role["role"] for role in mine["roles"]] == ["viewer"]
    assert person.post("/api/v1/workflows", json={}).status_code == 403

    sdk_call(users, "patch_api_v1_usersemail", address, body={"roles": ["operator"]})
    assert person.post("/api/v1/workflows", json={}).status_code == 400  # allowed now: the body is what is wrong
    sdk_call(users, "patch_api_v1_usersemail", address, body={"is_active": False})
    assert person.get("/api/v1/workflows").status_code == 401
    sdk_call(users, "patch_api_v1_usersemail", address, body={"is_active": True})
    assert person.get("/api/v1/workflows").status_code == 200

    listed = sdk_call(tokens, "get_api_v1_admin_tokens", query={"user_email": address})["data"]
    assert [token["token_id"] for token in listed["tokens"]] == [created["token_id"]]
    fetched = sdk_call(tokens, "get_api_v1_admin_tokenstoken_id", created["token_id"])["data"]
    assert fetched["user_email"] == address and fetched["name"] == "laptop" and "token" not in fetched
    # A person's token is not a machine key, and the other way round.
    assert tenant.client.get(f"/api/v1/admin/api-keys/{created['token_id']}").status_code == 404

    sdk_call(tokens, "delete_api_v1_admin_tokenstoken_id", created["token_id"], body={"reason": "lost laptop"})
    assert person.get("/api/v1/workflows").status_code == 401
    again = lambda: sdk_call(tokens, "delete_api_v1_admin_tokenstoken_id", created["token_id"])  # noqa: E731
    _refused(again, 409, "already_revoked")


def test_revoke_all_ends_every_token_of_a_person_and_removing_them_ends_the_rest(
    tenant: Tenant, users: highway_sdk.UsersApi, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    address = _address()
    sdk_call(users, "post_api_v1_users", body={"email": address, "role": "operator"})
    tokens = highway_sdk.TokensApi(sdk_client("admin"))
    made = [sdk_call(tokens, "post_api_v1_admin_tokens", body={"user_email": address})["data"] for _ in range(2)]
    revoked = sdk_call(tokens, "post_api_v1_admin_tokens_revoke_alluser_email", address)["data"]
    assert revoked["revoked_count"] == 2 and revoked["user_email"] == address
    assert all(_bearer(tenant, token["token"]).get("/api/v1/workflows").status_code == 401 for token in made)
    assert sdk_call(tokens, "get_api_v1_admin_tokens", query={"user_email": address})["data"]["total"] == 0
    listed = sdk_call(tokens, "get_api_v1_admin_tokens", query={"user_email": address, "include_revoked": "true"})
    assert listed["data"]["total"] == 2

    last = sdk_call(tokens, "post_api_v1_admin_tokens", body={"user_email": address})["data"]
    sdk_call(users, "delete_api_v1_usersemail", address)
    assert _bearer(tenant, last["token"]).get("/api/v1/workflows").status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"user_email": "nobody@example.com"}, 404, "not_found"),
        ({"user_email": "a@example.com", "scopes": ["view_workflows"]}, 400, "unsupported_scopes"),
        ({"user_email": "a@example.com", "expires_in_hours": 0}, 400, "invalid_expires_in_hours"),
        ({"user_email": "a@example.com", "expires_in_hours": 8761}, 400, "invalid_expires_in_hours"),
    ],
)
def test_a_bad_token_request_is_refused_with_a_reason(
    sdk_client: Callable[[str], highway_sdk.ApiClient], body: dict[str, Any], status: int, code: str
) -> None:
    tokens = highway_sdk.TokensApi(sdk_client("admin"))
    _refused(lambda: sdk_call(tokens, "post_api_v1_admin_tokens", body=body), status, code)


def test_another_tenants_people_are_out_of_reach(
    tenant: Tenant, make_tenant: Callable[[], Tenant], users: highway_sdk.UsersApi
) -> None:
    address = _address()
    sdk_call(users, "post_api_v1_users", body={"email": address, "role": "viewer"})
    token = tenant.client.post("/api/v1/admin/tokens", json={"user_email": address}).json()["data"]
    invitation = tenant.client.post("/api/v1/admin/invitations", json={"email": _address()}).json()["data"]
    other = make_tenant()
    assert other.client.get(f"/api/v1/users/{address}").status_code == 404
    assert address not in other.client.get("/api/v1/users").text
    assert other.client.get(f"/api/v1/admin/tokens/{token['token_id']}").status_code == 404
    assert other.client.delete(f"/api/v1/admin/tokens/{token['token_id']}").status_code == 404
    assert other.client.get(f"/api/v1/admin/invitations/{invitation['invitation_id']}").status_code == 404
    assert other.client.post(f"/api/v1/admin/tokens/revoke-all/{address}").status_code == 404


def test_an_invitation_reaches_the_outbox_and_is_accepted_once(
    tenant: Tenant, service_env: dict[str, str], sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    invitations = highway_sdk.InvitationsApi(sdk_client("admin"))
    address = _address()
    body = {"email": address, "roles": ["operator"], "message": "Welcome aboard", "expires_in_days": 3}
    created = sdk_call(invitations, "post_api_v1_admin_invitations", body=body)["data"]
    assert created["status"] == "pending" and created["role"] == "operator" and created["email_sent"] is True
    link = _outbox_link(service_env, address)
    assert link == created["invitation_url"]
    again = lambda: sdk_call(invitations, "post_api_v1_admin_invitations", body={"email": address})  # noqa: E731
    _refused(again, 409, "invitation_pending")
    listed = sdk_call(invitations, "get_api_v1_admin_invitations", query={"status": "pending", "email": address})
    assert [found["invitation_id"] for found in listed["data"]["invitations"]] == [created["invitation_id"]]
    assert "token" not in str(listed) and "invitation_url" not in str(listed)

    public = highway_sdk.InvitationsApi(highway_sdk.ApiClient(highway_sdk.Configuration(host=tenant.api_url)))
    accept = {"token": _token_of(link), "email": address, "password": PASSWORD, "display_name": "Grace"}
    wrong = lambda: sdk_call(public, "post_api_v1_invitations_accept", body={**accept, "email": _address()})  # noqa: E731
    _refused(wrong, 400, "email_mismatch")
    weak = lambda: sdk_call(public, "post_api_v1_invitations_accept", body={**accept, "password": "short"})  # noqa: E731
    _refused(weak, 400, "weak_password")
    joined = sdk_call(public, "post_api_v1_invitations_accept", body=accept)["data"]
    assert joined["tenant_id"] == tenant.tenant_id and joined["roles"] == ["operator"]
    twice = lambda: sdk_call(public, "post_api_v1_invitations_accept", body=accept)  # noqa: E731
    _refused(twice, 409, "invitation_closed")

    trail = tenant.client.get(
        "/api/v1/admin/audit-logs", params={"event_type": "api_request", "resource_type": "invitation"}
    ).json()["data"]["audit_logs"]
    routes = [(record["detail"]["route"], record["detail"]["outcome"]) for record in trail]
    assert ("/api/v1/invitations/accept", "ok") in routes and ("/api/v1/admin/invitations", "ok") in routes
    member = tenant.client.get(f"/api/v1/users/{address}").json()["data"]
    assert member["has_password"] is True and member["display_name"] == "Grace" and member["role"] == "operator"
    fetched = sdk_call(invitations, "get_api_v1_admin_invitationsinvitation_id", created["invitation_id"])["data"]
    assert fetched["status"] == "accepted" and fetched["accepted_at"] is not None
    _refused(
        lambda: sdk_call(invitations, "post_api_v1_admin_invitations", body={"email": address}), 409, "already_member"
    )


def test_a_resent_invitation_has_a_new_link_and_a_revoked_one_none(
    tenant: Tenant, service_env: dict[str, str], sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    invitations = highway_sdk.InvitationsApi(sdk_client("admin"))
    address = _address()
    created = sdk_call(invitations, "post_api_v1_admin_invitations", body={"email": address})["data"]
    assert created["roles"] == ["viewer"]
    resent = sdk_call(
        invitations, "post_api_v1_admin_invitationsinvitation_id_resend", created["invitation_id"], body={}
    )["data"]
    assert resent["new_invitation_url"] != created["invitation_url"]
    assert _outbox_link(service_env, address) == resent["new_invitation_url"]
    accept = {"email": address, "password": PASSWORD}
    old = tenant.client.post(
        "/api/v1/invitations/accept", json={**accept, "token": _token_of(created["invitation_url"])}
    )
    assert old.status_code == 404, old.text

    sdk_call(invitations, "delete_api_v1_admin_invitationsinvitation_id", created["invitation_id"])
    revoked = tenant.client.get(f"/api/v1/admin/invitations/{created['invitation_id']}").json()["data"]
    assert revoked["status"] == "revoked"
    late = tenant.client.post(
        "/api/v1/invitations/accept", json={**accept, "token": _token_of(resent["new_invitation_url"])}
    )
    assert late.status_code == 409 and late.json()["code"] == "invitation_closed"
    twice = lambda: sdk_call(invitations, "delete_api_v1_admin_invitationsinvitation_id", created["invitation_id"])  # noqa: E731
    _refused(twice, 409, "invitation_closed")


def test_rbac_is_derived_from_the_roles_the_api_enforces(
    tenant: Tenant, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    viewer = highway_sdk.RBACApi(sdk_client("viewer"))
    roles = {role["role"]: role for role in sdk_call(viewer, "get_api_v1_rbac_roles")["data"]["roles"]}
    assert set(roles) == {"admin", "operator", "viewer"}
    assert "submit_workflow" in roles["operator"]["permissions"]
    assert "submit_workflow" not in roles["viewer"]["permissions"]
    assert set(roles["viewer"]["permissions"]) < set(roles["operator"]["permissions"])
    assert set(roles["operator"]["permissions"]) < set(roles["admin"]["permissions"])
    mine = sdk_call(viewer, "get_api_v1_rbac_my_permissions")["data"]
    assert mine["role"] == "viewer" and mine["user_email"] is None
    assert {p["name"] for p in mine["permissions"]} == set(roles["viewer"]["permissions"])
    assert [r["role"] for r in sdk_call(viewer, "get_api_v1_rbac_my_roles")["data"]["roles"]] == ["viewer"]
    holders = sdk_call(viewer, "get_api_v1_rbac_permissionspermission_name_roles", "create_user")["data"]
    assert holders == {"permission": "create_user", "least_role": "admin", "roles_with_permission": ["admin"]}
    unknown = lambda: sdk_call(viewer, "get_api_v1_rbac_permissionspermission_name_roles", "fly")  # noqa: E731
    _refused(unknown, 404, "not_found")
    # Every permission the viewer is told of, it may really call; one it is not told of is refused.
    assert tenant.client_as("viewer").post("/api/v1/workflows", json={}).status_code == 403


def test_an_expired_invitation_is_gone_until_it_is_resent(tenant: Tenant, conn: db.Connection) -> None:
    address = _address()
    created = tenant.client.post("/api/v1/admin/invitations", json={"email": address}).json()["data"]
    conn.execute(
        "UPDATE hwe.invitation SET expires_at = hwe.current_time() - interval '1 second' WHERE invitation_id = %s",
        (created["invitation_id"],),
    )
    accept = {"token": _token_of(created["invitation_url"]), "email": address, "password": PASSWORD}
    expired = tenant.client.post("/api/v1/invitations/accept", json=accept)
    assert expired.status_code == 410 and expired.json()["code"] == "invitation_expired", expired.text
    listed = tenant.client.get("/api/v1/admin/invitations", params={"status": "expired", "email": address})
    assert [found["invitation_id"] for found in listed.json()["data"]["invitations"]] == [created["invitation_id"]]

    resent = tenant.client.post(f"/api/v1/admin/invitations/{created['invitation_id']}/resend", json={})
    assert resent.status_code == 200, resent.text
    joined = tenant.client.post(
        "/api/v1/invitations/accept", json={**accept, "token": _token_of(resent.json()["data"]["new_invitation_url"])}
    )
    assert joined.status_code == 200, joined.text


def test_an_expired_token_is_refused_and_listed_as_expired(tenant: Tenant, conn: db.Connection) -> None:
    address = _address()
    assert tenant.client.post("/api/v1/users", json={"email": address, "role": "viewer"}).status_code == 201
    token = tenant.client.post("/api/v1/admin/tokens", json={"user_email": address}).json()["data"]
    person = _bearer(tenant, token["token"])
    assert person.get("/api/v1/workflows").status_code == 200
    conn.execute(
        "UPDATE hwe.api_key SET expires_at = hwe.current_time() - interval '1 second' WHERE key_id = %s",
        (token["token_id"],),
    )
    wait_until(lambda: person.get("/api/v1/workflows").status_code == 401, 5, "the expired token to be refused")
    assert tenant.client.get(f"/api/v1/admin/tokens/{token['token_id']}").json()["data"]["status"] == "expired"
