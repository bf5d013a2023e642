"""Joining a tenant through the console in a real headless Chromium: an admin invites a person, the invitation
reaches the development outbox, the person follows its link, chooses a password and signs in with it."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.integration.conftest import Tenant
from tests.integration.console.conftest import screenshot

PASSWORD = "a long enough passphrase"


def _outbox_link(service_env: dict[str, str], to: str) -> str:
    for path in (Path(service_env["HWE_STATE_DIR"]) / "outbox").glob("invitation-*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            match = re.search(r"http\S+/ui/invitations/accept\?token=[\w-]+", message.get_content())
            assert match is not None
            return match.group(0)
    raise AssertionError(f"no invitation to {to} in the outbox")


def test_an_invited_person_joins_from_the_outbox_and_signs_in(
    tenant: Tenant,
    service_env: dict[str, str],
    open_page: Callable[..., Page],
    new_key: Callable[[str, str], str],
    tmp_path: Path,
) -> None:
    address = f"j{uuid.uuid4().hex[:10]}@example.com"
    admin = open_page(new_key(tenant.tenant_id, "admin"))
    admin.goto("/ui/people/invite")
    admin.get_by_label("Email").fill(address)
    admin.get_by_label("Role").select_option("operator")
    admin.get_by_label("Message").fill("Welcome to the on-call rota")
    admin.get_by_role("button", name="Invite").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{address} is invited as operator. The invitation was mailed.")
    expect(admin.locator("table.invitations")).to_contain_text(address)
    screenshot(admin, tmp_path, "people.png")

    link = _outbox_link(service_env, address)
    person = open_page()
    person.goto(link)
    person.get_by_label("Email").fill(address)
    person.get_by_label("Your name").fill("Jo")
    person.get_by_label("New password", exact=True).fill(PASSWORD)
    person.get_by_label("New password, again").fill(PASSWORD)
    person.get_by_role("button", name="Join").click()
    expect(person.get_by_role("status")).to_contain_text(f"you are a member of {tenant.tenant_id}")

    person.get_by_label("Email").fill(address)
    person.get_by_label("Password", exact=True).fill(PASSWORD)
    person.get_by_role("button", name="Sign in", exact=True).click()
    expect(person).to_have_url(re.compile(r"/ui/runs"))
    expect(person.locator(".who")).to_contain_text(f"{tenant.tenant_id} · operator")
    screenshot(person, tmp_path, "joined.png")

    # The link worked once.
    again = open_page()
    again.goto(link)
    again.get_by_label("Email").fill(address)
    again.get_by_label("New password", exact=True).fill(PASSWORD)
    again.get_by_label("New password, again").fill(PASSWORD)
    again.get_by_role("button", name="Join").click()
    expect(again.get_by_role("alert")).to_contain_text("already used")


def test_a_viewer_cannot_invite(
    tenant: Tenant, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    viewer = open_page(new_key(tenant.tenant_id, "viewer"))
    response = viewer.goto("/ui/people/invite")
    assert response is not None and response.status == 403
