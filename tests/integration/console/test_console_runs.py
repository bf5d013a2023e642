"""The console's runs pages in a real headless Chromium: list, run page, actions and who may see what.

Most pages authenticate with an API key in a Bearer header (the console accepts what the API accepts); the last
two tests sign in through the forms, with an account and with a pasted key, and act with the session cookie.
The runs are real ones, run by a real worker.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hwe import db, people
from tests.integration.conftest import Tenant
from tests.integration.console.conftest import screenshot
from tests.workflow_examples import load

ACTION_SECONDS = 15.0
PASSWORD = "a long enough passphrase"


@dataclass(frozen=True)
class Runs:
    """One tenant's runs in each state the tests look at."""

    tenant: Tenant
    completed: str
    failed: str
    fork_failed: str
    awaiting_approval: str
    awaiting_event: str


def waiting(name: str) -> dict[str, object]:
    """An example that waits (for an approval or an event) longer than the tests run."""
    module = importlib.import_module(f"tests.workflow_examples.{name}")
    definition: dict[str, object] = json.loads(module.build(timeout_seconds=600).to_json())
    return definition


@pytest.fixture(scope="module")
def ours(open_served_tenant: Callable[[str], Tenant], tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """A tenant with a completed run, a failed one, a failed parallel fork and two waiting runs."""
    tenant = open_served_tenant(f"console{uuid.uuid4().hex[:10]}")
    directory = tmp_path_factory.mktemp("console_runs")

    def submit(definition: dict[str, object], inputs: dict[str, object]) -> str:
        response = tenant.submit(definition, inputs)
        assert response.status_code == 201, response.text
        run_id: str = response.json()["data"]["workflow_run_id"]
        return run_id

    runs = Runs(
        tenant,
        completed=submit(load("three_shell_steps"), {"name": "console"}),
        failed=submit(load("failing_second_step"), {"dir": str(directory)}),
        fork_failed=submit(load("parallel_fan_out"), {"fail_b": 1}),
        awaiting_approval=submit(waiting("approval_gate"), {"order": 1}),
        awaiting_event=submit(waiting("wait_for_approval"), {"order": uuid.uuid4().hex}),
    )
    for run_id in (runs.completed, runs.failed, runs.fork_failed):
        tenant.wait_for_state(run_id)
    for run_id in (runs.awaiting_approval, runs.awaiting_event):
        tenant.wait_for_state(run_id, ("waiting",))
    return runs


def test_runs_list_shows_completed_failed_and_waiting_runs_with_counts(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str], tmp_path: Path
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    response = page.goto("/ui/runs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for run_id, state in ((ours.completed, "completed"), (ours.failed, "failed"), (ours.awaiting_event, "waiting")):
        expect(page.locator(f'tr[data-run-id="{run_id}"]')).to_have_attribute("data-state", state)
    # Every run counts, the fork's branch runs included: the counts agree with the rows.
    for state in ("completed", "failed", "waiting"):
        rows = page.locator(f'tr[data-run-id][data-state="{state}"]').count()
        expect(page.locator(f'.count-n[data-state="{state}"]')).to_have_text(str(rows))
    expect(page.locator('.count-n[data-state="failed"]')).to_have_text("3")
    screenshot(page, tmp_path, "runs.png", docs_height=620)
    assert problems == []  # no script or style refused by the Content-Security-Policy


def test_runs_list_filters_by_state_and_name(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto("/ui/runs")
    page.get_by_label("State", exact=True).select_option("failed")
    page.get_by_label("Workflow name").fill("failing_second_step")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"state=failed"))
    expect(page.locator("tr[data-run-id]")).to_have_count(1)
    expect(page.locator(f'tr[data-run-id="{ours.failed}"]')).to_be_visible()
    page.get_by_label("Created after (UTC)").fill("2020-01-01T00:00:00")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#counts-refused")).to_contain_text("at most 30 days")  # the list itself still answers
    expect(page.locator(f'tr[data-run-id="{ours.failed}"]')).to_be_visible()


def test_runs_list_refreshes_itself_when_a_run_is_submitted(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto("/ui/runs")
    new_run = ours.tenant.submit(load("three_shell_steps"), {"name": "later"}).json()["data"]["workflow_run_id"]
    expect(page.locator(f'tr[data-run-id="{new_run}"]')).to_be_visible(timeout=ACTION_SECONDS * 1000)


def test_failed_run_page_shows_the_graph_the_error_and_the_logs(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto(f"/ui/runs/{ours.failed}")
    graph = page.get_by_role("group", name="Task graph of failing_second_step")
    expect(graph.locator('a.node[data-task="break"]')).to_have_attribute("data-state", "failed")
    expect(graph.locator('a.node[data-task="prepare"]')).to_have_attribute("data-state", "completed")
    expect(graph.locator('a.node[data-task="never"]')).to_have_attribute("data-state", "skipped")
    expect(page.locator("#run-error")).to_contain_text("break")
    expect(page.locator("#step-break pre.log-stderr")).to_contain_text("disk full")
    expect(page.locator("#diagnosis-reason")).to_contain_text("failed")
    graph.locator('a.node[data-task="break"]').click()
    expect(page).to_have_url(re.compile(r"#step-break$"))


def test_parallel_fork_shows_each_branch_with_a_link_to_its_run(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str], tmp_path: Path
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto(f"/ui/runs/{ours.fork_failed}")
    graph = page.get_by_role("group", name="Task graph of parallel_fan_out")
    expect(graph.locator('a.node[data-task="wait_branches"]')).to_have_attribute("data-state", "failed")
    expect(graph.locator('a.node.branch[data-task="b1"]')).to_have_attribute("data-state", "failed")
    expect(graph.locator('a.node.branch[data-task="a2"]')).to_have_attribute("data-state", "completed")
    screenshot(page, tmp_path, "run.png", docs_height=1080)
    graph.locator('a.node.branch[data-task="b1"]').click()
    expect(page.get_by_role("heading", name="fork_b")).to_be_visible()
    expect(page.locator("#step-b1")).to_contain_text("failed")


def test_operator_retries_a_failed_run_after_confirming_and_a_resubmitted_form_acts_once(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "operator"))
    page.goto(f"/ui/runs/{ours.failed}")
    page.get_by_role("link", name="Retry from the failed step").click()
    expect(page.get_by_role("heading", name="Retry the run")).to_be_visible()
    fields = {
        name: page.locator(f'form.confirm input[name="{name}"]').get_attribute("value") or ""
        for name in ("csrf_token", "idempotency_key", "action")
    }
    page.get_by_role("button", name="Confirm: retry").click()
    expect(page.locator(".flash")).to_contain_text("Retried as a new run")
    new_run = page.url.split("/ui/runs/")[1].split("?")[0]
    assert new_run != ours.failed
    again = page.request.post(f"/ui/runs/{ours.failed}/actions", multipart={**fields})
    assert again.ok and f"/ui/runs/{new_run}?" in again.url  # the same key answers the same new run
    runs = ours.tenant.client.get("/api/v1/workflows", params={"name": "failing_second_step"}).json()["data"]
    assert len(runs["items"]) == 2


def test_operator_cancels_a_waiting_run_after_confirming(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "operator"))
    page.goto(f"/ui/runs/{ours.awaiting_event}")
    page.get_by_role("link", name="Cancel run").click()
    expect(page.get_by_role("heading", name="Cancel the run")).to_be_visible()
    page.get_by_role("button", name="Confirm: cancel").click()
    expect(page.locator(".flash")).to_have_text("The run was cancelled.")
    expect(page.locator("#run-state")).to_have_text("cancelled")
    assert ours.tenant.run(ours.awaiting_event)["state"] == "cancelled"


def test_operator_approves_a_pending_approval_and_the_run_goes_on(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "operator"))
    page.goto(f"/ui/runs/{ours.awaiting_approval}")
    page.get_by_role("link", name="Approve approve").click()
    page.get_by_label("Comment").fill("looks right")
    page.get_by_role("button", name="Confirm: approve").click()
    expect(page.locator(".flash")).to_have_text("Approval approved.")
    # The page follows the run by itself until it ends.
    expect(page.locator("#run-state")).to_have_text("completed", timeout=ACTION_SECONDS * 1000)
    finished = ours.tenant.wait_for_state(ours.awaiting_approval, timeout=ACTION_SECONDS)
    assert finished["state"] == "completed"
    assert finished["context"]["report"]["stdout"].lower().endswith("true")


def test_operator_posts_the_event_a_run_waits_for_and_the_run_goes_on(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    order = uuid.uuid4().hex
    run_id = ours.tenant.submit(waiting("wait_for_approval"), {"order": order}).json()["data"]["workflow_run_id"]
    ours.tenant.wait_for_state(run_id, ("waiting",))
    page = open_page(new_key(ours.tenant.tenant_id, "operator"))
    page.goto(f"/ui/runs/{run_id}")
    expect(page.locator("#diagnosis-reason")).to_contain_text(f"approval_{order}")
    page.get_by_role("link", name="Post event").click()
    page.get_by_label("Event name").fill(f"approval_{order}")
    page.get_by_label("Payload (a JSON object)").fill('{"by": "ana"}')
    page.get_by_role("button", name="Confirm: event").click()
    expect(page.locator(".flash")).to_contain_text(f"Event approval_{order} posted")
    finished = ours.tenant.wait_for_state(run_id, timeout=ACTION_SECONDS)
    assert finished["context"]["shipped"]["stdout"] == "shipped by ana"


def test_viewer_sees_no_action_and_may_not_act(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto(f"/ui/runs/{ours.awaiting_approval}")
    expect(page.locator("#run-state")).to_be_visible()
    expect(page.get_by_role("navigation", name="Actions on this run")).to_have_count(0)
    confirm = page.goto(f"/ui/runs/{ours.fork_failed}/confirm?action=retry")
    assert confirm is not None and confirm.status == 403
    posted = page.request.post(
        f"/ui/runs/{ours.fork_failed}/actions", multipart={"action": "retry", "idempotency_key": "k1"}
    )
    assert posted.status == 403
    assert ours.tenant.run(ours.fork_failed)["state"] == "failed"


def test_another_tenants_viewer_sees_none_of_our_runs(
    ours: Runs,
    make_tenant: Callable[[], Tenant],
    open_page: Callable[..., Page],
    new_key: Callable[[str, str], str],
) -> None:
    other = make_tenant()
    page = open_page(new_key(other.tenant_id, "viewer"))
    page.goto("/ui/runs")
    expect(page.locator(".empty")).to_have_text("No runs match.")
    for run_id in (ours.completed, ours.failed, ours.fork_failed):
        response = page.goto(f"/ui/runs/{run_id}")
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_have_text("Not found")


def test_person_signs_in_with_an_account_and_acts_through_a_form_with_its_csrf_token(
    ours: Runs, open_page: Callable[..., Page], database_url: str
) -> None:
    email = f"p{uuid.uuid4().hex[:10]}@example.com"
    with db.connect(database_url) as conn:
        people.create_user(conn, ours.tenant.tenant_id, email, ("operator",), password=PASSWORD)
    waiting_run = ours.tenant.submit(waiting("wait_for_approval"), {"order": uuid.uuid4().hex}).json()["data"]
    run_id = waiting_run["workflow_run_id"]
    ours.tenant.wait_for_state(run_id, ("waiting",))
    page = open_page()
    page.goto(f"/ui/runs/{run_id}")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/ui/runs/{run_id}$"))
    forged = page.request.post(f"/ui/runs/{run_id}/actions", multipart={"action": "cancel", "idempotency_key": "k2"})
    assert forged.status == 403  # the session cookie alone, without the form's CSRF token, acts on nothing
    page.get_by_role("link", name="Cancel run").click()
    page.get_by_role("button", name="Confirm: cancel").click()
    expect(page.locator(".flash")).to_have_text("The run was cancelled.")
    assert ours.tenant.run(run_id)["state"] == "cancelled"


def test_machine_signs_in_by_pasting_an_api_key_and_sees_the_runs(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page()
    page.goto("/ui/login")
    page.get_by_label("API key", exact=True).fill(new_key(ours.tenant.tenant_id, "viewer"))
    page.get_by_role("button", name="Sign in with the key").click()
    expect(page).to_have_url(re.compile(r"/ui/runs$"))
    expect(page.locator(f'tr[data-run-id="{ours.failed}"]')).to_be_visible()
    page.goto(f"/ui/runs/{ours.failed}")
    expect(page.get_by_role("navigation", name="Actions on this run")).to_have_count(0)


def test_queue_page_shows_the_worker_serving_our_queue_with_its_heartbeat(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto("/ui/runs")
    page.get_by_role("link", name="Queue").click()
    expect(page.get_by_role("heading", name=f"Queue {ours.tenant.queue}")).to_be_visible()
    expect(page.locator('tr[data-worker][data-status="online"]')).to_have_count(1)
    expect(page.locator("#q-unfinished")).not_to_have_text("")


def test_every_field_of_the_console_has_a_label(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    page = open_page(new_key(ours.tenant.tenant_id, "operator"))
    unlabelled = (
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => e.labels === null || e.labels.length === 0).map(e => e.name || e.id)"
    )
    for path in (
        "/ui/runs",
        f"/ui/runs/{ours.fork_failed}",
        f"/ui/runs/{ours.awaiting_approval}/confirm?action=signal",
        f"/ui/runs/{ours.awaiting_approval}/confirm?action=approve&task=approve",
        "/ui/queue",
    ):
        page.goto(path)
        assert page.evaluate(unlabelled) == [], path


def test_schedules_page_lists_a_schedule_with_its_cron_and_next_fire(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    name = f"nightly-{uuid.uuid4().hex[:6]}"
    body = {"workflow_definition": load("three_shell_steps"), "name": name, "cron": "0 3 * * *"}
    assert ours.tenant.client.post("/api/v1/schedules", json=body).status_code == 201
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto("/ui/runs")
    page.get_by_role("link", name="Schedules").click()
    schedule = page.locator(f'tr[data-schedule="{name}"]')
    expect(schedule).to_contain_text("0 3 * * *")
    expect(schedule).to_contain_text(":00:00")


def test_definitions_page_lists_stored_definitions_by_version(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    definition = {"workflow_definition": load("child_doubler")}
    stored = ours.tenant.client.post("/api/v1/workflows/definitions", json=definition)
    assert stored.status_code in (200, 201), stored.text
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto("/ui/definitions")
    expect(page.locator('tr[data-definition="child_doubler"]')).to_have_count(1)
    expect(page.locator('tr[data-template="hello_shell"]')).to_have_count(1)


def test_webhooks_page_shows_a_webhook_but_never_its_secret(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str]
) -> None:
    created = ours.tenant.client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/console-hook", "event_types": ["run.failed"]}
    )
    assert created.status_code == 201, created.text
    secret = created.json()["data"]["secret"]
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto("/ui/webhooks")
    expect(page.get_by_role("heading", name="http://127.0.0.1:9/console-hook")).to_be_visible()
    assert secret not in page.content()


def test_admin_sees_the_tenants_people_and_invitations_and_an_operator_does_not(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str], database_url: str
) -> None:
    email = f"p{uuid.uuid4().hex[:10]}@example.com"
    with db.connect(database_url) as conn:
        people.create_user(conn, ours.tenant.tenant_id, email, ("operator", "viewer"), password=PASSWORD)
    invited = f"i{uuid.uuid4().hex[:10]}@example.com"
    response = ours.tenant.client.post("/api/v1/admin/invitations", json={"email": invited, "roles": ["viewer"]})
    assert response.status_code == 201, response.text
    admin = open_page(new_key(ours.tenant.tenant_id, "admin"))
    admin.goto("/ui/runs")
    admin.get_by_role("link", name="People").click()
    expect(admin.locator(f'tr[data-user="{email}"]')).to_contain_text("operator, viewer")
    expect(admin.locator(f'tr[data-invitation="{invited}"]')).to_have_attribute("data-status", "pending")
    operator = open_page(new_key(ours.tenant.tenant_id, "operator"))
    operator.goto("/ui/runs")
    expect(operator.get_by_role("link", name="People")).to_have_count(0)
    refused = operator.goto("/ui/people")
    assert refused is not None and refused.status == 403


def test_child_runs_and_loop_iterations_are_visible_in_the_graph(
    ours: Runs, open_page: Callable[..., Page], new_key: Callable[[str, str], str], tmp_path: Path
) -> None:
    definition = {"workflow_definition": load("child_doubler")}
    assert ours.tenant.client.post("/api/v1/workflows/definitions", json=definition).status_code in (200, 201)
    parent = ours.tenant.submit(load("child_workflows_fan_out"), {"n": 2}).json()["data"]["workflow_run_id"]
    loop = ours.tenant.submit(load("foreach_sequential"), {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]
    ours.tenant.wait_for_state(parent)
    ours.tenant.wait_for_state(loop)
    page = open_page(new_key(ours.tenant.tenant_id, "viewer"))
    page.goto(f"/ui/runs/{loop}")
    graph = page.get_by_role("group", name="Task graph of foreach_sequential")
    expect(graph.locator("path.edge-loop")).to_have_count(1)
    expect(graph.locator('a.node.loop[data-task="each"]')).to_contain_text("3 iterations")
    page.goto(f"/ui/runs/{parent}")
    child = page.locator('a.node.child[data-task="second"]')
    expect(child).to_have_attribute("data-state", "completed")
    child.click()
    expect(page.get_by_role("heading", name="child_doubler")).to_be_visible()
    expect(page.get_by_role("link", name=parent[:8])).to_be_visible()  # back to the parent run
