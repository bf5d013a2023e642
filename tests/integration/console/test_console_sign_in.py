"""The console's sign-in and sign-out forms over plain HTTP: what they render, the cookie and redirect a sign-in by
account or by API key gives, the one message for a refused sign-in, and redirects that never leave the site."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hwe import db, people, sessions
from tests.integration.conftest import Tenant

PASSWORD = "a long enough passphrase"


@pytest.fixture
def pepper(secrets_file: Path) -> str:
    """The API-key pepper the API process was started with."""
    value: str = json.loads(secrets_file.read_text())["api_key_pepper"]
    return value


@pytest.fixture
def client(tenant: Tenant) -> Iterator[httpx.Client]:
    """A client that keeps cookies and does not follow redirects, as the tests look at each answer."""
    with httpx.Client(base_url=tenant.api_url, timeout=10) as client:
        yield client


def _person(database_url: str, tenant: Tenant, roles: tuple[str, ...] = ("viewer",)) -> str:
    email = f"p{uuid.uuid4().hex[:10]}@example.com"
    with db.connect(database_url) as conn:
        people.create_user(conn, tenant.tenant_id, email, roles, password=PASSWORD)
    return email


def _post(client: httpx.Client, path: str, fields: dict[str, str]) -> httpx.Response:
    """Posts a form as the console's pages send it: multipart/form-data."""
    return client.post(path, files={name: (None, value) for name, value in fields.items()})


def _session_cookie(response: httpx.Response) -> str:
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{sessions.COOKIE_NAME}="))
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    return header.split(";")[0].partition("=")[2]


def _hidden(page: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)]


def test_the_sign_in_page_has_an_account_form_and_an_api_key_form_with_labels(client: httpx.Client) -> None:
    page = client.get("/ui/login", params={"next": "/ui/runs?state=failed"})
    assert page.status_code == 200 and page.headers["content-security-policy"]
    text = page.text
    assert 'action="/ui/login"' in text and 'action="/ui/login/key"' in text
    for field in ("email", "password", "tenant", "api_key"):
        assert f'<label for="{field}">' in text and f'id="{field}" name="{field}"' in text
    assert _hidden(text, "next") == ["/ui/runs?state=failed", "/ui/runs?state=failed"]


def test_signing_in_with_an_account_sets_the_cookie_and_goes_to_next(
    client: httpx.Client, database_url: str, tenant: Tenant
) -> None:
    email = _person(database_url, tenant)
    response = _post(client, "/ui/login", {"email": email, "password": PASSWORD, "next": "/ui/runs?state=failed"})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/ui/runs?state=failed"
    token = _session_cookie(response)
    runs = client.get("/ui/runs", headers={"Cookie": f"{sessions.COOKIE_NAME}={token}"})
    assert runs.status_code == 200 and tenant.tenant_id in runs.text


def test_a_signed_in_page_carries_the_csrf_token_its_sign_out_form_needs(
    client: httpx.Client, database_url: str, tenant: Tenant, pepper: str
) -> None:
    email = _person(database_url, tenant)
    token = _session_cookie(_post(client, "/ui/login", {"email": email, "password": PASSWORD, "next": ""}))
    cookie = {"Cookie": f"{sessions.COOKIE_NAME}={token}"}
    page = client.get("/ui/runs", headers=cookie)
    csrf = sessions.csrf_token(pepper, token)
    assert set(_hidden(page.text, "csrf_token")) == {csrf}
    # Without the token the sign-out is refused; with it, the session is revoked.
    refused = client.post("/ui/logout", files={"csrf_token": (None, "forged")}, headers=cookie)
    assert refused.status_code == 403
    signed_out = client.post(
        "/ui/logout", files={"csrf_token": (None, _hidden(page.text, "csrf_token")[0])}, headers=cookie
    )
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/ui/login")
    assert httpx.get(f"{tenant.api_url}/api/v1/workflows", headers=cookie).status_code == 401


def test_signing_in_with_an_api_key_acts_as_the_key(client: httpx.Client, tenant: Tenant) -> None:
    assert tenant.new_key is not None
    key = tenant.new_key("viewer")
    response = _post(client, "/ui/login/key", {"api_key": key, "next": "/ui/runs"})
    assert response.status_code == 303 and response.headers["location"] == "/ui/runs"
    token = _session_cookie(response)
    answer = httpx.post(f"{tenant.api_url}/api/v1/auth/verify", json={"token": token}).json()
    assert (answer["tenant_id"], answer["role"], answer["email"]) == (tenant.tenant_id, "viewer", None)


def test_a_bad_password_shows_the_form_again_with_a_401_and_the_generic_message(
    client: httpx.Client, database_url: str, tenant: Tenant
) -> None:
    email = _person(database_url, tenant)
    wrong = _post(client, "/ui/login", {"email": email, "password": "not the password at all", "next": "/ui/runs"})
    unknown = _post(client, "/ui/login", {"email": f"x{email}", "password": PASSWORD, "next": "/ui/runs"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong email or password." in response.text and 'role="alert"' in response.text
        assert sessions.COOKIE_NAME not in response.headers.get("set-cookie", "")
    assert f'value="{email}"' in wrong.text and PASSWORD not in unknown.text


def test_a_bad_api_key_shows_the_form_again_with_a_401(client: httpx.Client) -> None:
    response = _post(client, "/ui/login/key", {"api_key": "hw_nope_nope", "next": "/ui/runs"})
    assert response.status_code == 401 and "That API key is not valid" in response.text
    assert "hw_nope_nope" not in response.text


@pytest.mark.parametrize("target", ["https://evil.example/ui", "//evil.example/ui", "/\\evil.example", "/api/v1/docs"])
def test_a_next_outside_the_console_is_ignored(
    client: httpx.Client, database_url: str, tenant: Tenant, target: str
) -> None:
    email = _person(database_url, tenant)
    response = _post(client, "/ui/login", {"email": email, "password": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/ui/runs"
    assert _hidden(client.get("/ui/login", params={"next": target}).text, "next") == ["/ui/runs", "/ui/runs"]


def test_a_sign_in_form_posted_from_another_site_is_refused(
    client: httpx.Client, database_url: str, tenant: Tenant
) -> None:
    email = _person(database_url, tenant)
    response = client.post(
        "/ui/login",
        files={"email": (None, email), "password": (None, PASSWORD), "next": (None, "")},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and sessions.COOKIE_NAME not in response.headers.get("set-cookie", "")
