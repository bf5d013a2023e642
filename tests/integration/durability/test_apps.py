"""Apps: a workflow calls apps.<publisher>.<app>.<action> of an enabled installation of its own tenant only."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.conftest import Tenant, WorkerPool
from tests.integration.durability.test_python_durable_functions import _archive, _upload
from tests.workflow_examples import load


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


def _publish(owner: Tenant, visibility: str = "private") -> tuple[str, str]:
    """Publishes an app `orders` with the action `version` under a new publisher name; returns it and the app id."""
    publisher = f"acme_{uuid.uuid4().hex[:10]}"
    artifact_id = _upload(owner, _archive())["artifact_id"]
    body = {"publisher": publisher, "app_name": "orders", "visibility": visibility}
    app_id = _ok(owner.client.post("/api/v1/apps", json=body), 201)["app_id"]
    version = {"version": "1.0.0", "artifact_id": artifact_id, "actions": {"version": {"function": _FUNCTION}}}
    version_id = _ok(owner.client.post(f"/api/v1/apps/{app_id}/versions", json=version), 201)["version_id"]
    _ok(owner.client.post(f"/api/v1/apps/{app_id}/versions/{version_id}/publish"))
    return publisher, app_id


_FUNCTION = "durable_demo.orders.version"


def _install(tenant: Tenant, app_id: str) -> str:
    installation_id: str = _ok(tenant.client.post("/api/v1/tenant/apps", json={"app_id": app_id}), 201)[
        "installation_id"
    ]
    return installation_id


def _run(tenant: Tenant, publisher: str) -> dict[str, Any]:
    definition = load("app_action")
    definition["tasks"]["version"]["function"] = f"apps.{publisher}.orders.version"
    run: dict[str, Any] = tenant.wait_for_state(tenant.submit(definition, {}).json()["data"]["workflow_run_id"])
    return run


def test_a_workflow_calls_an_action_of_the_tenants_enabled_installation(tenant: Tenant, workers: WorkerPool) -> None:
    publisher, app_id = _publish(tenant)
    _install(tenant, app_id)
    workers.start(tenant.queue)

    run = _run(tenant, publisher)

    assert run["state"] == "completed", run
    assert run["context"]["version"] == "v1"
    tools = _ok(tenant.client.get("/api/v1/tenant/apps/tools"))["items"]
    assert [tool["tool"] for tool in tools] == [f"apps.{publisher}.orders.version"]


def test_a_public_app_runs_for_the_tenant_that_installed_it_and_for_no_other(
    make_tenant: Any, workers: WorkerPool
) -> None:
    owner, user, stranger = make_tenant(), make_tenant(), make_tenant()
    publisher, app_id = _publish(owner, "public")
    _install(user, app_id)
    workers.start(user.queue)
    workers.start(stranger.queue)

    used, refused = _run(user, publisher), _run(stranger, publisher)

    # The user's run reads the code from the artifact copied to the user at install: it never reads the owner's.
    assert used["state"] == "completed", used
    assert used["context"]["version"] == "v1"
    assert refused["state"] == "failed"
    assert f"app {publisher}.orders is not installed for this tenant" in refused["error"]["message"]
    assert _ok(stranger.client.get("/api/v1/tenant/apps/tools"))["items"] == []


def test_a_disabled_or_uninstalled_apps_actions_fail_and_enabling_it_again_restores_them(
    tenant: Tenant, workers: WorkerPool
) -> None:
    publisher, app_id = _publish(tenant)
    installation_id = _install(tenant, app_id)
    workers.start(tenant.queue)

    _ok(tenant.client.post(f"/api/v1/tenant/apps/{installation_id}/disable"))
    disabled = _run(tenant, publisher)
    assert _ok(tenant.client.get("/api/v1/tenant/apps/tools"))["items"] == []
    _ok(tenant.client.post(f"/api/v1/tenant/apps/{installation_id}/enable"))
    enabled = _run(tenant, publisher)
    _ok(tenant.client.delete(f"/api/v1/tenant/apps/{installation_id}"))
    uninstalled = _run(tenant, publisher)

    assert disabled["state"] == "failed"
    assert f"app {publisher}.orders is disabled for this tenant" in disabled["error"]["message"]
    assert enabled["state"] == "completed", enabled
    assert uninstalled["state"] == "failed"
    assert "is not installed for this tenant" in uninstalled["error"]["message"]
