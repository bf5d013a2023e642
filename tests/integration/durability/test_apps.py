"""Tenant apps: a workflow calls apps.<publisher>.<app>.<action>; only the installing tenant can."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Tenant, WorkerPool
from tests.integration.durability.test_python_durable_functions import _archive, _upload
from tests.workflow_examples import load


def _install(tenant: Tenant, artifact_id: str, **override: Any) -> Any:
    body = {
        "publisher": "acme",
        "app": "orders",
        "artifact_id": artifact_id,
        "actions": {"version": "durable_demo.orders.version"},
        **override,
    }
    return tenant.client.post("/api/v1/apps", json=body)


def test_a_workflow_calls_an_installed_apps_action(tenant: Tenant, workers: WorkerPool) -> None:
    artifact = _upload(tenant, _archive())
    assert _install(tenant, artifact["artifact_id"]).status_code == 201
    workers.start(tenant.queue)

    run_id = tenant.submit(load("app_action"), {}).json()["data"]["workflow_run_id"]
    run = tenant.wait_for_state(run_id)

    assert run["state"] == "completed", run
    assert run["context"]["version"] == "v1"
    assert [a["app"] for a in tenant.client.get("/api/v1/apps").json()["data"]["items"]] == ["orders"]


def test_another_tenant_cannot_call_the_app(make_tenant: Any, workers: WorkerPool) -> None:
    owner, stranger = make_tenant(), make_tenant()
    _install(owner, _upload(owner, _archive())["artifact_id"])
    workers.start(stranger.queue)

    run = stranger.wait_for_state(stranger.submit(load("app_action"), {}).json()["data"]["workflow_run_id"])

    assert run["state"] == "failed"
    assert "app acme.orders is not installed for this tenant" in run["error"]["message"]
    assert stranger.client.get("/api/v1/apps").json()["data"]["items"] == []
    assert stranger.client.delete("/api/v1/apps/acme/orders").status_code == 404


def test_after_uninstalling_the_app_its_actions_fail(tenant: Tenant, workers: WorkerPool) -> None:
    _install(tenant, _upload(tenant, _archive())["artifact_id"])
    assert tenant.client.delete("/api/v1/apps/acme/orders").status_code == 200
    workers.start(tenant.queue)

    run = tenant.wait_for_state(tenant.submit(load("app_action"), {}).json()["data"]["workflow_run_id"])

    assert run["state"] == "failed"


def test_installing_needs_an_own_artifact_valid_names_and_the_admin_role(tenant: Tenant) -> None:
    artifact_id = _upload(tenant, _archive())["artifact_id"]
    assert _install(tenant, "0" * 64).status_code == 400
    assert _install(tenant, artifact_id, publisher="Acme Inc").status_code == 400
    assert _install(tenant, artifact_id, actions={"version": "not a function"}).status_code == 400
    operator = tenant.client_as("operator")
    body = {"publisher": "acme", "app": "orders", "artifact_id": artifact_id, "actions": {"v": "a.b"}}
    assert operator.post("/api/v1/apps", json=body).status_code == 403
