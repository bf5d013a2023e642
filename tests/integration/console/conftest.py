"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the real API and workers."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from hwe import db, tenants

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "console"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module; skipped, saying how to get it, when the machine has none."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"the console tests drive Debian's Chromium at {CHROMIUM}, which is missing: install it with "
            "`apt-get update && apt-get install -y --no-install-recommends chromium` (`make test` does)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, api_url: str) -> Iterator[Callable[..., Page]]:
    """Opens a page in a context of its own; with `key`, every request carries it as a Bearer header."""
    contexts: list[BrowserContext] = []

    def open_(key: str | None = None) -> Page:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        context = browser.new_context(base_url=api_url, extra_http_headers=headers)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def new_key(database_url: str, secrets_file: Path) -> Callable[[str, str], str]:
    """Makes an API key of a role for a tenant: `new_key(tenant_id, role)`."""
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]

    def make(tenant_id: str, role: str) -> str:
        with db.connect(database_url) as conn:
            return tenants.create_api_key(conn, tenant_id, role, pepper)

    return make


def screenshot(page: Page, tmp_path: Path, name: str, docs_height: int | None = None) -> None:
    """Saves a full-page screenshot as a test artifact. With `docs_height`, and when HWE_UPDATE_SCREENSHOTS=1, it
    also writes the page's top `docs_height` pixels to docs/console/<name>, the image docs/console.md embeds."""
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if docs_height is not None and os.environ.get("HWE_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 1280
        page.screenshot(
            path=str(DOCS_SCREENSHOTS / name),
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": docs_height},
        )
