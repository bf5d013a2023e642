"""Tenants for a whole module: A owns one of each resource, every name marked; B is the stranger who probes them."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hwe import db, tenants
from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import approval_gate, load


@pytest.fixture(scope="module")
def module_tenants(api_url: str, database_url: str, secrets_file: Path) -> Iterator[Callable[[], Tenant]]:
    """`make_tenant` for a whole module: the isolation tests build their resources once, not per test."""
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]
    clients: list[httpx.Client] = []

    def make() -> Tenant:
        name = f"t{uuid.uuid4().hex[:12]}"

        def new_key(role: str) -> str:
            with db.connect(database_url) as conn, conn.transaction():
                return tenants.create_api_key(conn, name, role, pepper)

        with db.connect(database_url) as conn, conn.transaction():
            tenants.create_tenant(conn, name, queue_name=name)
        key = new_key("admin")
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        clients.append(client)
        return Tenant(name, name, key, client, api_url, new_key, clients)

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def document(api_url: str) -> dict[str, Any]:
    """The live OpenAPI document of the test API, with parameter references resolved."""
    response = httpx.get(f"{api_url}/api/v1/openapi.json")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    shared = found.get("components", {}).get("parameters", {})
    for operations in found["paths"].values():
        for operation in operations.values():
            operation["parameters"] = [
                shared[p["$ref"].rpartition("/")[2]] if "$ref" in p else p for p in operation.get("parameters", [])
            ]
    return found


# Values that are no secret of A's: shared names, or words any tenant's answers hold (a step, a tool, a small number).
NOT_SECRET = frozenset(
    {"step_name", "version", "resource_key", "log_id", "template_name", "permission_name", "role", "name"}
)


@dataclass
class Estate:
    """Tenant A's resources: `values` maps each path parameter name of the API to A's value for it."""

    owner: Tenant
    marker: str
    values: dict[str, str]
    waiting_run_id: str
    other_ids: list[str]

    @property
    def runs(self) -> list[str]:
        """A's completed, failed and waiting runs."""
        return [self.values["workflow_run_id"], self.values["run_id"], self.waiting_run_id]

    def secrets(self) -> list[str]:
        """What no answer to tenant B may contain: the marker and every id of A's."""
        return [self.marker, *self.other_ids, *(v for k, v in self.values.items() if k not in NOT_SECRET)]

    def assert_intact(self) -> None:
        """A's resources are all still there, unchanged by what was tried against them."""
        values, api = self.values, self.owner.client
        for path in (
            f"/api/v1/workflows/{values['workflow_run_id']}",
            f"/api/v1/schedules/{values['schedule_id']}",
            f"/api/v1/webhooks/{values['webhook_id']}",
            f"/api/v1/apps/{values['app_id']}",
            f"/api/v1/tenant/apps/{values['installation_id']}",
            f"/api/v1/admin/api-keys/{values['api_key_id']}",
            f"/api/v1/admin/tokens/{values['token_id']}",
            f"/api/v1/admin/invitations/{values['invitation_id']}",
            f"/api/v1/users/{values['email']}",
        ):
            response = api.get(path)
            assert response.status_code == 200, f"{path}: {response.text}"
        assert api.get(f"/api/v1/workflows/{values['run_id']}").json()["data"]["state"] == "failed"
        assert self.owner.run(self.waiting_run_id)["state"] == "waiting"
        schedule = api.get(f"/api/v1/schedules/{values['schedule_id']}").json()["data"]
        assert schedule["is_paused"] is True
        for kind in ("api-keys", "tokens"):
            identifier = values["api_key_id" if kind == "api-keys" else "token_id"]
            assert api.get(f"/api/v1/admin/{kind}/{identifier}").json()["data"]["status"] == "active"
        assert api.get(f"/api/v1/artifacts/{values['artifact_id']}/exists").json()["data"] == {"exists": True}
        invitation = api.get(f"/api/v1/admin/invitations/{values['invitation_id']}").json()["data"]
        assert invitation["status"] == "pending"


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


def artifact_archive(marker: str) -> bytes:
    """A small zip of code whose module and text carry `marker`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{marker}/actions.py", f"def version(ctx):\n    return {marker!r}\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def estate(
    module_tenants: Callable[[], Tenant], service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Estate]:
    """Tenant A with one of each resource it can make, every name and input carrying a marker."""
    owner = module_tenants()
    marker = f"mark{uuid.uuid4().hex[:12]}"
    pool = WorkerPool(service_env, tmp_path_factory.mktemp("estate_workers"))
    pool.start(owner.queue)
    try:
        yield _build(owner, marker, tmp_path_factory.mktemp("estate_scratch"))
    finally:
        pool.stop_all()


def _build(owner: Tenant, marker: str, scratch: Path) -> Estate:
    api = owner.client
    hook = _ok(
        api.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:9/{marker}", "event_types": ["run.completed"]})
    )["data"]
    runs = _runs(owner, marker, scratch)
    values = {
        **runs,
        **_definitions(owner, marker),
        **_apps(owner, marker),
        **_people(owner, marker),
        "webhook_id": hook["webhook_id"],
        "delivery_id": _first(_ok(api.get(f"/api/v1/webhooks/{hook['webhook_id']}/deliveries")), "delivery_id"),
        "task_id": next(t["task_id"] for t in _ok(api.get("/api/v1/tasks"))["data"]["items"]),
        "activity_id": _first(_ok(api.get("/api/v1/activities")), "activity_id"),
        "approval_key": _first(_ok(api.get("/api/v1/approvals")), "approval_key"),
        "resource_key": _first(_ok(api.get("/api/v1/circuit-breakers")), "resource_key"),
        "worker_id": _first(_ok(api.get("/api/v1/workers")), "worker_id"),
        "log_id": _first(_ok(api.get("/api/v1/admin/audit-logs")), "log_id"),
        "queue_name": owner.queue,
        "prefix": owner.key.split("_")[1],
        "tenant_id": owner.tenant_id,
        # Not A's: shared by every tenant, so any tenant may read them.
        "template_name": _first(_ok(api.get("/api/v1/dsl_templates")), "name"),
        "permission_name": _first(_ok(api.get("/api/v1/rbac/my-permissions")), "name"),
        "role": "operator",
        "name": "console.css",
    }
    other_ids = [values.pop(key) for key in ("waiting", "breaker_run", "activity_run", "key_prefix", "token_prefix")]
    return Estate(owner, marker, values, other_ids[0], other_ids)


def _first(answer: Any, key: str) -> str:
    """The first `key` of the one list in a list answer: A's first resource of that kind, which must exist."""
    items = next(value for value in answer["data"].values() if isinstance(value, list))
    assert items, f"tenant A has no {key}: the estate must make one of each kind"
    return str(items[0][key])


def _runs(owner: Tenant, marker: str, scratch: Path) -> dict[str, str]:
    """A completed, a failed and a waiting run (with a signal, an update and an event), an activity, a breaker."""
    chain = {**load("three_shell_steps"), "name": f"{marker}_chain"}
    idempotency_key = f"{marker}-submission"
    completed = _ok(owner.submit(chain, {"name": marker}, idempotency_key))["data"]["workflow_run_id"]
    failing = {**load("failing_second_step"), "name": f"{marker}_fails"}
    failed = _ok(owner.submit(failing, {"dir": marker}))["data"]["workflow_run_id"]
    gate = json.loads(approval_gate.build(600, f"{marker}_gate").to_json())
    waiting = _ok(owner.submit(gate, {"order": marker}))["data"]["workflow_run_id"]
    activity = _ok(owner.submit(load("activity_then_wait"), {"dir": str(scratch), "word": marker}))["data"]
    breaker = _ok(owner.submit(load("report_behind_circuit_breaker"), {"dir": str(scratch)}))["data"]
    assert owner.wait_for_state(completed)["state"] == "completed"
    assert owner.wait_for_state(failed)["state"] == "failed"
    owner.wait_for_state(waiting, ("waiting",))
    for path, body in [
        ("signals", {"signal_name": f"{marker}_signal", "payload": {"m": marker}}),
        ("updates", {"update_name": f"{marker}_update", "update_payload": {"m": marker}, "timeout_seconds": 0.2}),
        ("events", {"event_name": f"{marker}_event", "payload": {"m": marker}}),
    ]:
        _ok(owner.client.post(f"/api/v1/workflows/{waiting}/{path}", json=body))
    for other in (activity, breaker):
        assert owner.wait_for_state(other["workflow_run_id"])["state"] == "completed"
    return {
        "workflow_run_id": completed,
        "run_id": failed,
        "step_name": "greet",
        "idempotency_key": idempotency_key,
        "waiting": waiting,
        "activity_run": activity["workflow_run_id"],
        "breaker_run": breaker["workflow_run_id"],
    }


def _definitions(owner: Tenant, marker: str) -> dict[str, str]:
    """A stored definition (version 2 of the completed run's) and a paused schedule."""
    chain = {**load("three_shell_steps"), "name": f"{marker}_chain", "version": "2.0.0"}
    definition = _ok(owner.client.post("/api/v1/workflows/definitions", json={"workflow_definition": chain}))["data"]
    schedule = {
        "workflow_definition": {**load("scheduled_tick"), "name": f"{marker}_tick"},
        "name": f"{marker}_schedule",
        "cron": "0 3 * * *",
        "inputs": {"m": marker},
        "is_paused": True,
    }
    return {
        "workflow_name": chain["name"],
        "definition_name": chain["name"],
        "version": "1",
        "definition_id": definition["definition_id"],
        "definition_hash": definition["definition_hash"],
        "schedule_id": _ok(owner.client.post("/api/v1/schedules", json=schedule))["data"]["schedule_id"],
    }


def _apps(owner: Tenant, marker: str) -> dict[str, str]:
    """An artifact, a private app with a published version, installed, with a secret set."""
    api = owner.client
    archive = {"artifact": (f"{marker}.zip", artifact_archive(marker), "application/zip")}
    artifact = _ok(api.post("/api/v1/artifacts", files=archive))["artifact_id"]
    app = _ok(api.post("/api/v1/apps", json={"publisher": marker, "app_name": f"{marker}_app"}))["data"]["app_id"]
    version = {
        "version": "1.0.0",
        "artifact_id": artifact,
        "actions": {"lookup": {"function": f"{marker}.actions.version", "description": marker}},
        "required_secrets": [f"{marker}_secret"],
    }
    version_id = _ok(api.post(f"/api/v1/apps/{app}/versions", json=version))["data"]["version_id"]
    _ok(api.post(f"/api/v1/apps/{app}/versions/{version_id}/publish"))
    installation = _ok(api.post("/api/v1/tenant/apps", json={"app_id": app}))["data"]["installation_id"]
    secret = f"{marker}_secret"
    _ok(api.put(f"/api/v1/tenant/apps/{installation}/secrets/{secret}", json={"value": marker}))
    return {
        "artifact_id": artifact,
        "app_id": app,
        "version_id": version_id,
        "installation_id": installation,
        "secret_name": secret,
    }


def _people(owner: Tenant, marker: str) -> dict[str, str]:
    """An API key, a user with a personal token, and an invitation."""
    api = owner.client
    key = _ok(api.post("/api/v1/admin/api-keys", json={"name": f"{marker}_key", "role": "viewer"}))["data"]
    email = f"{marker}@example.com"
    _ok(api.post("/api/v1/users", json={"email": email, "role": "operator", "display_name": marker}))
    token = _ok(api.post("/api/v1/admin/tokens", json={"user_email": email, "description": marker}))["data"]
    invited = {"email": f"{marker}.invited@example.com", "message": marker}
    return {
        "api_key_id": key["api_key_id"],
        "key_prefix": key["key_prefix"],
        "email": email,
        "user_email": email,
        "token_id": token["token_id"],
        "token_prefix": token["key_prefix"],
        "invitation_id": _ok(api.post("/api/v1/admin/invitations", json=invited))["data"]["invitation_id"],
    }
