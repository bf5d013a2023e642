"""Worker commands from the console's queue page in a real headless Chromium: an operator pauses and resumes a real
worker through confirmation pages; a viewer sees no commands and may not send one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.integration.conftest import Tenant, WorkerPool, wait_until


def _worker(tenant: Tenant, pid: int) -> dict[str, Any]:
    def registered() -> dict[str, Any] | None:
        items = tenant.client.get("/api/v1/workers").json()["data"]["items"]
        return next((w for w in items if w["pid"] == pid), None)

    found: dict[str, Any] = wait_until(registered, 20, f"worker {pid} to register")
    return found


def test_an_operator_pauses_and_resumes_a_worker_after_confirming(
    tenant: Tenant, workers: WorkerPool, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    worker = _worker(tenant, workers.start(tenant.queue).process.pid)
    row = f'tr[data-worker="{worker["name"]}"]'
    operator = open_page(new_key(tenant.tenant_id, "operator"))
    operator.goto("/ui/queue")
    operator.locator(row).get_by_role("link", name="Pause").click()
    expect(operator.get_by_role("heading", name="Pause the worker")).to_be_visible()
    operator.get_by_label("Reason").fill("maintenance")
    operator.get_by_role("button", name="Confirm: pause").click()
    expect(operator.get_by_role("status")).to_contain_text(f"Worker {worker['name']} is paused.")
    paused = tenant.client.get(f"/api/v1/workers/{worker['worker_id']}").json()["data"]
    assert paused["requested_status"] == "paused"

    operator.locator(row).get_by_role("link", name="Resume").click()
    operator.get_by_role("button", name="Confirm: resume").click()
    expect(operator.get_by_role("status")).to_contain_text("claims runs again")
    resumed = tenant.client.get(f"/api/v1/workers/{worker['worker_id']}").json()["data"]
    assert resumed["requested_status"] == "online"


def test_a_viewer_sees_no_worker_commands_and_may_not_send_one(
    tenant: Tenant, workers: WorkerPool, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    worker = _worker(tenant, workers.start(tenant.queue).process.pid)
    viewer = open_page(new_key(tenant.tenant_id, "viewer"))
    viewer.goto("/ui/queue")
    expect(viewer.locator(f'tr[data-worker="{worker["name"]}"]')).to_be_visible()
    expect(viewer.get_by_role("link", name="Pause")).to_have_count(0)
    response = viewer.goto(f"/ui/workers/{worker['worker_id']}/confirm?command=drain")
    assert response is not None and response.status == 403
