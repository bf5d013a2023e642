"""Signing in with an email and password: the session cookie, CSRF on cookie requests, sign-out that revokes,
expiry, lock-out, one answer for every wrong sign-in, sessions of pasted API keys, token verification, OIDC's 501,
and the site's front door."""

from __future__ import annotations

import datetime
import http.cookies
import json
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from hwe import db, people, sessions
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Service, Tenant, wait_until
from tests.workflow_examples import load

PASSWORD = "a long enough passphrase"


@pytest.fixture
def pepper(secrets_file: Path) -> str:
    """The API-key pepper the API process was started with."""
    value: str = json.loads(secrets_file.read_text())["api_key_pepper"]
    return value


def _person(database_url: str, tenant: Tenant, roles: Sequence[str] = ("operator",), email: str = "") -> str:
    email = email or f"p{uuid.uuid4().hex[:10]}@example.com"
    with db.connect(database_url) as conn:
        people.create_user(conn, tenant.tenant_id, email, roles, password=PASSWORD)
    return email


def _sign_in(api_url: str, email: str, password: str = PASSWORD, **extra: str) -> httpx.Response:
    return httpx.post(f"{api_url}/api/v1/auth/login", json={"email": email, "password": password, **extra}, timeout=10)


def _set_cookie(response: httpx.Response) -> tuple[str, str]:
    """The session cookie's value and its whole Set-Cookie header."""
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{sessions.COOKIE_NAME}="))
    parsed: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
    parsed.load(header)
    return parsed[sessions.COOKIE_NAME].value, header


def _browser(api_url: str, token: str) -> httpx.Client:
    """A client that sends the session cookie, as a browser does, and no Authorization."""
    return httpx.Client(base_url=api_url, headers={"Cookie": f"{sessions.COOKIE_NAME}={token}"}, timeout=10)


def _signed_in(api_url: str, database_url: str, tenant: Tenant, roles: Sequence[str] = ("operator",)) -> dict[str, Any]:
    email = _person(database_url, tenant, roles)
    response = _sign_in(api_url, email)
    assert response.status_code == 200, response.text
    token, _ = _set_cookie(response)
    return {**response.json(), "token": token}


def _submit(client: httpx.Client, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"workflow_definition": load("three_shell_steps"), "inputs": {"name": "s"}}
    return client.post("/api/v1/workflows", json=body, headers=headers or {})


def test_signing_in_sets_an_http_only_lax_cookie_that_authenticates_reads(database_url: str, tenant: Tenant) -> None:
    email = _person(database_url, tenant, ("viewer", "operator"))
    response = _sign_in(tenant.api_url, email.upper())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["email"] == email and body["tenant_id"] == tenant.tenant_id
    assert sorted(body["roles"]) == ["operator", "viewer"] and body["csrf_token"]
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    assert datetime.timedelta(hours=7) < expires_at - datetime.datetime.now(datetime.UTC) <= datetime.timedelta(hours=8)
    token, header = _set_cookie(response)
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes  # the test stack serves plain HTTP
    with _browser(tenant.api_url, token) as browser:
        assert browser.get("/api/v1/workflows").status_code == 200
    assert httpx.get(f"{tenant.api_url}/api/v1/workflows").status_code == 401


def test_the_cookie_is_secure_unless_secure_cookies_is_off(
    database_url: str, tenant: Tenant, start_api: Callable[..., tuple[str, Service]]
) -> None:
    url, _ = start_api(HWE_API_SECURE_COOKIES="true")
    response = _sign_in(url, _person(database_url, tenant))
    assert response.status_code == 200, response.text
    _, header = _set_cookie(response)
    assert "secure" in {part.strip().lower() for part in header.split(";")}


def test_a_cookie_request_that_changes_something_needs_the_csrf_token(database_url: str, tenant: Tenant) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant)
    with _browser(tenant.api_url, session["token"]) as browser:
        refused = _submit(browser)
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
        forged = _submit(browser, {"X-CSRF-Token": "0" * 64})
        assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
        accepted = _submit(browser, {"X-CSRF-Token": session["csrf_token"]})
        assert accepted.status_code == 201, accepted.text


def test_a_cookie_request_from_another_origin_is_refused(database_url: str, tenant: Tenant) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant)
    with _browser(tenant.api_url, session["token"]) as browser:
        other = _submit(browser, {"X-CSRF-Token": session["csrf_token"], "Origin": "https://evil.example"})
        assert other.status_code == 403 and other.json()["code"] == "csrf_failed"
        same = _submit(browser, {"X-CSRF-Token": session["csrf_token"], "Origin": tenant.api_url})
        assert same.status_code == 201, same.text


def test_a_bearer_request_needs_no_csrf_token(tenant: Tenant) -> None:
    assert _submit(tenant.client).status_code == 201


def test_signing_out_revokes_the_session_so_the_old_cookie_is_refused(database_url: str, tenant: Tenant) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant)
    client = highway_sdk.ApiClient(
        highway_sdk.Configuration(host=tenant.api_url), cookie=f"{sessions.COOKIE_NAME}={session['token']}"
    )
    api = highway_sdk.DefaultApi(client)
    with pytest.raises(ApiException) as refused:  # a sign-out from another site is refused too
        sdk_call(api, "post_api_v1_auth_logout")
    assert refused.value.status == 403
    answer = sdk_call(api, "post_api_v1_auth_logout", headers={"X-CSRF-Token": session["csrf_token"]})
    assert answer["status"] == "success" and answer["message"]
    with _browser(tenant.api_url, session["token"]) as replayed:
        assert replayed.get("/api/v1/workflows").status_code == 401
    client.rest_client.pool_manager.clear()


def test_signing_out_clears_the_cookie(database_url: str, tenant: Tenant) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant)
    with _browser(tenant.api_url, session["token"]) as browser:
        response = browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": session["csrf_token"]})
    assert response.status_code == 200
    value, header = _set_cookie(response)
    assert value == "" and "max-age=0" in header.lower()


def test_a_session_ends_at_its_absolute_expiry(
    database_url: str, tenant: Tenant, start_api: Callable[..., tuple[str, Service]]
) -> None:
    url, _ = start_api(HWE_API_SESSION_TTL_SECONDS="3")
    session = _signed_in(url, database_url, tenant)
    expires_at = datetime.datetime.fromisoformat(session["expires_at"])
    assert expires_at - datetime.datetime.now(datetime.UTC) <= datetime.timedelta(seconds=3)
    with _browser(url, session["token"]) as browser:
        wait_until(lambda: browser.get("/api/v1/workflows").status_code == 401, 15, "the session to expire")
        assert datetime.datetime.now(datetime.UTC) >= expires_at


def test_five_failed_sign_ins_in_a_row_lock_the_account_for_15_minutes(database_url: str, tenant: Tenant) -> None:
    email = _person(database_url, tenant)
    for _ in range(4):
        wrong = _sign_in(tenant.api_url, email, "not the password at all")
        assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    fifth = _sign_in(tenant.api_url, email, "not the password at all")
    assert fifth.status_code == 429 and fifth.json()["code"] == "locked_out"
    assert "15 minutes" in fifth.json()["message"] and fifth.headers["retry-after"] == "900"
    right = _sign_in(tenant.api_url, email)  # even the right password, while locked
    assert right.status_code == 429 and right.json()["code"] == "locked_out"
    assert 0 < int(right.headers["retry-after"]) <= 900


def test_one_address_may_try_only_so_many_sign_ins_a_minute_whatever_the_accounts(
    tenant: Tenant, start_api: Callable[..., tuple[str, Service]]
) -> None:
    url, _ = start_api(HWE_API_SIGN_IN_PER_MINUTE="3")
    answers = [_sign_in(url, f"nobody{n}@example.com", "not the password at all") for n in range(4)]
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    assert answers[-1].json()["code"] == "rate_limited" and int(answers[-1].headers["retry-after"]) >= 1


def test_a_success_resets_the_count_of_failures(database_url: str, tenant: Tenant) -> None:
    email = _person(database_url, tenant)
    for _ in range(4):
        assert _sign_in(tenant.api_url, email, "not the password at all").status_code == 401
    assert _sign_in(tenant.api_url, email).status_code == 200
    for _ in range(4):
        assert _sign_in(tenant.api_url, email, "not the password at all").status_code == 401


def test_an_unknown_email_and_a_disabled_person_get_the_same_401_as_a_wrong_password(
    database_url: str, tenant: Tenant
) -> None:
    email = _person(database_url, tenant)
    wrong = _sign_in(tenant.api_url, email, "not the password at all").json()
    unknown = _sign_in(tenant.api_url, f"nobody-{uuid.uuid4().hex}@example.com").json()
    disabled_email = _person(database_url, tenant)
    with db.connect(database_url) as conn:
        people.update_user(conn, tenant.tenant_id, disabled_email, active=False)
    disabled = _sign_in(tenant.api_url, disabled_email).json()
    for answer in (wrong, unknown, disabled):
        assert (answer["code"], answer["message"]) == ("invalid_credentials", wrong["message"])


def test_disabling_a_person_ends_their_open_session(database_url: str, tenant: Tenant) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant)
    with _browser(tenant.api_url, session["token"]) as browser:
        assert browser.get("/api/v1/workflows").status_code == 200
        with db.connect(database_url) as conn:
            people.update_user(conn, tenant.tenant_id, session["email"], active=False)
        assert browser.get("/api/v1/workflows").status_code == 401


def test_a_person_in_two_tenants_must_name_the_tenant(
    database_url: str, tenant: Tenant, make_tenant: Callable[[], Tenant]
) -> None:
    other = make_tenant()
    email = _person(database_url, tenant, ("viewer",))
    _person(database_url, other, ("admin",), email=email)
    unnamed = _sign_in(tenant.api_url, email)
    assert unnamed.status_code == 400 and unnamed.json()["code"] == "tenant_required"
    named = _sign_in(tenant.api_url, email, tenant_id=other.tenant_id)
    assert named.status_code == 200 and named.json()["tenant_id"] == other.tenant_id
    assert named.json()["roles"] == ["admin"]
    # A wrong password is still the generic 401, so tenant_required tells nothing to someone without it.
    assert _sign_in(tenant.api_url, email, "not the password at all").json()["code"] == "invalid_credentials"


def test_a_session_opened_with_an_api_key_acts_as_the_key_and_ends_when_it_is_revoked(
    database_url: str, pepper: str, tenant: Tenant
) -> None:
    assert tenant.new_key is not None
    key = tenant.new_key("viewer")
    with db.connect(database_url) as conn:
        token = sessions.start_for_api_key(conn, key, pepper, 3600)
    with _browser(tenant.api_url, token) as browser:
        assert browser.get("/api/v1/workflows").status_code == 200
        csrf = sessions.csrf_token(pepper, token)
        assert _submit(browser, {"X-CSRF-Token": csrf}).status_code == 403  # a viewer's key
        keys = tenant.client.get("/api/v1/admin/api-keys").json()["data"]["api_keys"]
        [key_id] = [k["api_key_id"] for k in keys if k["key_prefix"] == "hw_" + key.split("_")[1]]
        assert tenant.client.delete(f"/api/v1/admin/api-keys/{key_id}").status_code == 200
        assert browser.get("/api/v1/workflows").status_code == 401


def test_verify_describes_a_session_and_an_api_key_and_refuses_anything_else(database_url: str, tenant: Tenant) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant, ("viewer",))
    api = highway_sdk.DefaultApi(highway_sdk.ApiClient(highway_sdk.Configuration(host=tenant.api_url)))
    described = sdk_call(api, "post_api_v1_auth_verify", body={"token": session["token"]})
    assert described == {
        "status": "success",
        "email": session["email"],
        "tenant_id": tenant.tenant_id,
        "role": "viewer",
        "expires_at": session["expires_at"],
    }
    key = sdk_call(api, "post_api_v1_auth_verify", body={"token": tenant.key})
    assert (key["email"], key["tenant_id"], key["role"], key["expires_at"]) == (None, tenant.tenant_id, "admin", None)
    for token in ("hws_not-a-session", "hw_nope_nope", "anything"):
        with pytest.raises(ApiException) as refused:
            sdk_call(api, "post_api_v1_auth_verify", body={"token": token})
        assert refused.value.status == 401 and '"invalid_token"' in str(refused.value.body)


@pytest.mark.parametrize("operation", ["get_api_v1_auth_login", "get_api_v1_auth_oauth"])
def test_oidc_sign_in_answers_501_and_names_what_to_use(tenant: Tenant, operation: str) -> None:
    api = highway_sdk.DefaultApi(highway_sdk.ApiClient(highway_sdk.Configuration(host=tenant.api_url)))
    with pytest.raises(ApiException) as refused:
        sdk_call(api, operation)
    assert refused.value.status == 501
    assert '"oidc_not_configured"' in str(refused.value.body) and "/login" in str(refused.value.body)


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/ui/runs?state=failed", "/ui/runs?state=failed"),
        ("https://evil.example/", "/login"),
        ("//evil.example/", "/login"),
        ("/\\evil.example/", "/login"),
    ],
)
def test_signing_out_by_get_redirects_only_to_a_local_path(
    database_url: str, tenant: Tenant, target: str, location: str
) -> None:
    session = _signed_in(tenant.api_url, database_url, tenant)
    with _browser(tenant.api_url, session["token"]) as browser:
        response = browser.get("/api/v1/auth/logout", params={"on_success_redirect": target})
        assert response.status_code == 303 and response.headers["location"] == location
        assert browser.get("/api/v1/workflows").status_code == 401


def test_the_sdk_signs_out_by_get_and_lands_on_the_sign_in_page(tenant: Tenant) -> None:
    api = highway_sdk.DefaultApi(highway_sdk.ApiClient(highway_sdk.Configuration(host=tenant.api_url)))
    answer = api.get_api_v1_auth_logout_with_http_info()  # follows the 303s to /ui/login
    assert answer.status_code == 200 and b"Sign in" in answer.raw_data


def test_the_front_door_leads_to_the_console_and_serves_an_icon(tenant: Tenant) -> None:
    assert httpx.get(f"{tenant.api_url}/").headers["location"] == "/ui"
    assert httpx.get(f"{tenant.api_url}/login", params={"next": "/ui/runs"}).headers["location"] == (
        "/ui/login?next=%2Fui%2Fruns"
    )
    api = highway_sdk.DefaultApi(highway_sdk.ApiClient(highway_sdk.Configuration(host=tenant.api_url)))
    for page in (api.get_with_http_info(), api.get_login_with_http_info()):
        assert page.status_code == 200 and b"Sign in" in page.raw_data
    icon = httpx.get(f"{tenant.api_url}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert "max-age" in icon.headers["cache-control"] and icon.content.startswith(b"<svg")
    assert api.get_favicon_ico_with_http_info().status_code == 200
