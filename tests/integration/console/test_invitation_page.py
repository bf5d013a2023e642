"""The page an invitation's link opens, over plain HTTP: the invited person chooses a password, joins, and is sent
to sign in; a mistyped password, a wrong email and a used link each show the form again with the reason."""

from __future__ import annotations

import html
import re
import uuid

import httpx

from tests.integration.conftest import Tenant

PASSWORD = "a long enough passphrase"


def _invite(tenant: Tenant) -> tuple[str, str]:
    email = f"i{uuid.uuid4().hex[:10]}@example.com"
    response = tenant.client.post("/api/v1/admin/invitations", json={"email": email, "role": "operator"})
    assert response.status_code == 201, response.text
    link: str = response.json()["data"]["invitation_url"]
    return email, link


def _post(client: httpx.Client, fields: dict[str, str]) -> httpx.Response:
    return client.post("/ui/invitations/accept", files={name: (None, value) for name, value in fields.items()})


def test_the_link_opens_a_labelled_form_and_joining_leads_to_sign_in(tenant: Tenant) -> None:
    email, link = _invite(tenant)
    token = link.split("token=", 1)[1]
    with httpx.Client(base_url=tenant.api_url, timeout=10) as client:
        page = client.get(link)
        assert page.status_code == 200
        assert html.unescape(re.findall(r'name="token" value="([^"]*)"', page.text)[0]) == token
        for field in ("email", "display_name", "password", "password_again"):
            assert f'<label for="{field}">' in page.text
        assert "content-security-policy" in page.headers

        fields = {"token": token, "email": email, "display_name": "Lin", "password": PASSWORD}
        mistyped = _post(client, {**fields, "password_again": PASSWORD + "!"})
        assert mistyped.status_code == 400 and "The two passwords differ" in mistyped.text
        wrong = _post(client, {**fields, "email": "someone@example.com", "password_again": PASSWORD})
        assert wrong.status_code == 400 and "the address the invitation was sent to" in wrong.text
        short = _post(client, {**fields, "password": "short", "password_again": "short"})
        assert short.status_code == 400 and "Choose a password of 12" in short.text

        joined = _post(client, {**fields, "password_again": PASSWORD})
        assert joined.status_code == 303, joined.text
        assert joined.headers["location"].startswith("/ui/login?flash=Welcome")
        used = _post(client, {**fields, "password_again": PASSWORD})
        assert used.status_code == 409 and "already used" in used.text

    member = tenant.client.get(f"/api/v1/users/{email}").json()["data"]
    assert member["has_password"] is True and member["role"] == "operator" and member["display_name"] == "Lin"


def test_a_replaced_link_says_it_is_not_valid_any_more(tenant: Tenant) -> None:
    email, link = _invite(tenant)
    listed = tenant.client.get("/api/v1/admin/invitations", params={"email": email}).json()["data"]
    resent = tenant.client.post(f"/api/v1/admin/invitations/{listed['invitations'][0]['invitation_id']}/resend")
    assert resent.status_code == 200, resent.text
    fields = {"token": link.split("token=", 1)[1], "email": email, "password": PASSWORD, "password_again": PASSWORD}
    with httpx.Client(base_url=tenant.api_url, timeout=10) as client:
        old = _post(client, fields)
    assert old.status_code == 404 and "not valid any more" in old.text
