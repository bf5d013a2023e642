"""A planted secret never leaks: one random marker per session, planted in every place a secret comes from.

The marker (with a suffix naming its source) is a run's input, a definition's variable, a Vault secret
(a real OpenBao dev server), an app secret set through the API, and so the output of the
`tools.secrets.get_secret` steps that read the last two. The stack is this module's own: an API, a
worker and an audit service, all on Vault, so every log line they write is theirs. Runs complete, fail
in steps that would echo the secret if the engine were careless, and announce themselves to a
loopback webhook receiver. Then the marker is searched for where it must not be: logs, the audit
trail, webhook bodies, error messages, metrics, and the run's views and console pages for a viewer,
where only what docs/api.md and docs/architecture.md (Tenant secrets) promise may show it.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hwe import db, tenants
from tests.integration.conftest import ServicePool, Tenant, WorkerPool, free_port, start_api_process, wait_until
from tests.integration.dsl.test_secrets import OpenBao, openbao  # noqa: F401  (the OpenBao dev server fixture)
from tests.integration.security._planted import Receiver, found_at, open_receiver
from tests.integration.webhooks.conftest import AUDIT_TEST_SETTINGS

MARKER = f"plnt{uuid.uuid4().hex}"
SECRETS = {source: f"{MARKER}{source}" for source in ("input", "variable", "vault", "app")}
APP_SECRET_NAME = "api_key"
RUN_VIEW_PREFIXES = ("/api/v1/workflows/{workflow_run_id}", "/api/v1/logs/workflows/{workflow_run_id}")
# The tenant's lists a viewer reads: runs without their context, activities, output counts (docs/api.md).
TENANT_LISTS = ("/api/v1/workflows", "/api/v1/logs/workflows", "/api/v1/logs/activities", "/api/v1/activities")
WEBHOOK_EVENTS = ["run.started", "run.waiting", "run.completed", "run.failed", "task.failed"]


def _task(task_id: str, function: str, after: list[str], **fields: Any) -> dict[str, Any]:
    task = {"task_id": task_id, "operator_type": "task", "dependencies": after, **fields}
    return {**task, "function": function} if function else task


def _workflow(name: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "version": "1.0.0",
        "tasks": {task["task_id"]: task for task in tasks},
        "variables": {"db_password": SECRETS["variable"]},
        "start_task": tasks[0]["task_id"],
    }


def _reads(installation_id: str) -> list[dict[str, Any]]:
    """Reads the Vault secret and the app secret, each into the run's context (docs: the one way to use one)."""
    app_secret = f"app.{installation_id}.{APP_SECRET_NAME}"
    return [
        _task("read_vault", "tools.secrets.get_secret", [], kwargs={"name": "vault_token"}, result_key="vault_token"),
        _task(
            "read_app", "tools.secrets.get_secret", ["read_vault"], kwargs={"name": app_secret}, result_key="app_key"
        ),
    ]


def _definitions(installation_id: str, receiver: Receiver) -> dict[str, dict[str, Any]]:
    """Each run by its name: one that uses every secret, and runs failing in steps handed a secret."""
    headers = {
        "Authorization": "Bearer {{vault_token}}",
        "X-App-Key": "{{app_key}}",
        "X-Input": "{{inputs.api_token}}",
        "X-Variable": "{{db_password}}",
    }
    call = _task("call", "tools.http.request", ["read_app"], kwargs={"url": receiver.url("/use"), "headers": headers})
    # Each failing step would echo the secret if its error message quoted the arguments it was given.
    bad_url = _task("bad_url", "tools.http.request", ["read_app"], kwargs={"url": "http://127.0.0.1:{{vault_token}}/"})
    bad_value = _task(
        "bad_value", "tools.secrets.set_secret", ["read_app"], kwargs={"name": "copy", "value": {"v": "{{app_key}}"}}
    )
    quiet_exit = _task(
        "quiet_exit", "tools.shell.run", ["read_app"], args=["test '{{vault_token}}' = '{{db_password}}'"]
    )
    # int() of text that is no number: Python's ValueError quotes the text.
    bad_condition = _task("bad_condition", "", ["read_app"], operator_type="condition")
    bad_condition |= {"condition": "int({{vault_token}}) > 0", "if_true": "big", "if_false": "small"}
    branches = [_task(name, "tools.shell.run", ["bad_condition"], args=["true"]) for name in ("big", "small")]
    last_tasks = {
        "uses": [call],
        "bad_url": [bad_url],
        "bad_value": [bad_value],
        "quiet_exit": [quiet_exit],
        "bad_condition": [bad_condition, *branches],
    }
    return {
        name: _workflow(f"planted_{name}", [*_reads(installation_id), *tasks]) for name, tasks in last_tasks.items()
    }


@dataclass(frozen=True)
class Planted:
    """The module's stack once every run ended and every webhook delivery arrived."""

    admin: httpx.Client
    viewer: httpx.Client
    api_url: str
    worker_metrics_url: str
    runs: dict[str, dict[str, Any]]  # by the name in `_definitions`, as the admin read it
    definitions: dict[str, dict[str, Any]]
    receiver: Receiver
    directory: Path  # where the module's services write: their logs, health files and state directory
    bad_answers: list[httpx.Response]  # the API refusing requests that carry a secret


def _install_app(admin: httpx.Client, tenant_id: str) -> str:
    """Registers, publishes and installs an app that needs the secret `api_key`; returns the installation id."""
    artifact = admin.post("/api/v1/artifacts", files={"artifact": ("a.zip", _zip(), "application/zip")})
    assert artifact.status_code == 201, artifact.text
    app = _data(admin.post("/api/v1/apps", json={"publisher": f"p{tenant_id}", "app_name": "crm"}), 201)
    actions = {"lookup": {"function": "planted_app.actions.lookup"}}
    body = {"version": "1.0.0", "artifact_id": artifact.json()["artifact_id"], "actions": actions}
    version = _data(
        admin.post(f"/api/v1/apps/{app['app_id']}/versions", json={**body, "required_secrets": ["api_key"]})
    )
    _data(admin.post(f"/api/v1/apps/{app['app_id']}/versions/{version['version_id']}/publish"), 200)
    installed = _data(admin.post("/api/v1/tenant/apps", json={"app_id": app["app_id"]}))
    installation_id: str = installed["installation_id"]
    return installation_id


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("planted_app/actions.py", "def lookup(ctx):\n    return 'found'\n")
    return buffer.getvalue()


def _data(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


def _refusals(admin: httpx.Client, secret_url: str, definition: dict[str, Any]) -> list[httpx.Response]:
    """Requests the API refuses, each carrying a secret where a careless error message would quote it."""
    read_vault = {**definition["tasks"]["read_vault"], "kwargz": {"name": SECRETS["vault"]}}
    misspelt = {**definition, "tasks": {**definition["tasks"], "read_vault": read_vault}}
    return [
        admin.put(secret_url, json={"value": SECRETS["app"] * 300}),  # longer than 8192 characters
        admin.put(secret_url, json={"value": SECRETS["app"], "valu": SECRETS["app"]}),
        admin.post("/api/v1/workflows", json={"workflow_definition": misspelt, "inputs": {}}),
        admin.post("/api/v1/workflows", json={"workflow_definition": definition, "input": {"a": SECRETS["input"]}}),
    ]


@pytest.fixture(scope="module")
def planted(
    openbao: OpenBao,  # noqa: F811
    database_url: str,
    service_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Planted]:
    directory = tmp_path_factory.mktemp("planted")
    pepper = uuid.uuid4().hex
    openbao.write("highway/engine/api_key_pepper", pepper)
    env = {**service_env, "HWE_STATE_DIR": str(directory / "state")}
    env |= {"HWE_SECRETS_PROVIDER": "vault", "HWE_VAULT_ADDR": openbao.addr, "HWE_VAULT_TOKEN": openbao.token}
    tenant_id = f"t{uuid.uuid4().hex[:12]}"
    with db.connect(database_url) as conn, conn.transaction():
        tenants.create_tenant(conn, tenant_id, queue_name=tenant_id)
        admin_key = tenants.create_api_key(conn, tenant_id, "admin", pepper)
        viewer_key = tenants.create_api_key(conn, tenant_id, "viewer", pepper)
    openbao.write(f"highway/tenants/{tenant_id}/vault_token", SECRETS["vault"])
    with contextlib.ExitStack() as stack:
        receiver = stack.enter_context(open_receiver())
        api, api_url = start_api_process(env, directory / "api.log")
        stack.callback(api.stop)
        worker_pool = WorkerPool(env, directory)
        stack.callback(worker_pool.stop_all)
        audit = ServicePool("services.audit", "HWE_AUDIT_HEALTH_FILE", {**env, **AUDIT_TEST_SETTINGS}, directory)
        stack.callback(audit.stop_all)
        admin = stack.enter_context(httpx.Client(base_url=api_url, headers=_bearer(admin_key), timeout=10))
        viewer = stack.enter_context(httpx.Client(base_url=api_url, headers=_bearer(viewer_key), timeout=10))
        metrics_port = free_port()
        worker_pool.start(tenant_id, HWE_WORKER_METRICS_PORT=str(metrics_port))
        audit.start()
        installation_id = _install_app(admin, tenant_id)
        secret_url = f"/api/v1/tenant/apps/{installation_id}/secrets/{APP_SECRET_NAME}"
        _data(admin.put(secret_url, json={"value": SECRETS["app"]}), 200)
        _data(admin.post("/api/v1/webhooks", json={"url": receiver.url("/hooks"), "event_types": WEBHOOK_EVENTS}))
        definitions = _definitions(installation_id, receiver)
        tenant = Tenant(tenant_id, tenant_id, admin_key, admin, api_url)
        ids = {
            name: _data(tenant.submit(definition, {"api_token": SECRETS["input"]}))["workflow_run_id"]
            for name, definition in definitions.items()
        }
        runs = {name: tenant.wait_for_state(run_id) for name, run_id in ids.items()}
        ended = {f"run.{r['state']}" for r in runs.values()}
        wait_until(lambda: len(_webhook_bodies(receiver, ended)) >= len(runs), 30, "a delivery of each run's end")
        bad_answers = _refusals(admin, secret_url, definitions["uses"])
        audit.stop_all()  # before other modules' tests run on this xdist worker with audit services of their own
        metrics_url = f"http://127.0.0.1:{metrics_port}"
        yield Planted(admin, viewer, api_url, metrics_url, runs, definitions, receiver, directory, bad_answers)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _webhook_bodies(receiver: Receiver, types: set[str]) -> list[dict[str, Any]]:
    bodies = [json.loads(r.body) for r in receiver.requests("/hooks")]
    return [b for b in bodies if b["type"] in types]


def sightings(value: Any) -> set[tuple[str, str]]:
    """Every (source, JSON path) at which one of the planted secrets shows in `value`."""
    return {(source, path) for source, secret in SECRETS.items() for path in found_at(value, secret)}


def test_every_planted_secret_reaches_the_request_that_uses_it(planted: Planted) -> None:
    [used] = planted.receiver.requests("/use")

    assert planted.runs["uses"]["state"] == "completed", planted.runs["uses"]
    assert used.headers["authorization"] == f"Bearer {SECRETS['vault']}"
    assert (used.headers["x-app-key"], used.headers["x-input"]) == (SECRETS["app"], SECRETS["input"])
    assert used.headers["x-variable"] == SECRETS["variable"]
    assert {name: run["state"] for name, run in planted.runs.items() if name != "uses"} == {
        "bad_url": "failed",
        "bad_value": "failed",
        "quiet_exit": "failed",
        "bad_condition": "failed",
    }


def test_no_file_the_api_worker_or_audit_service_wrote_holds_a_planted_secret(planted: Planted) -> None:
    files = {str(p.relative_to(planted.directory)): p.read_bytes() for p in planted.directory.rglob("*") if p.is_file()}
    logs = {name: text.decode(errors="replace") for name, text in files.items() if name.endswith(".log")}

    assert [name for name, data in files.items() if MARKER.encode() in data] == []
    assert sorted(logs) == ["api.log", "audit-0.log", "worker-0.log"]
    assert "read secret vault_token" in logs["worker-0.log"]  # what the worker logs of a secret: its name


def test_the_audit_trail_holds_no_planted_secret(planted: Planted) -> None:
    records = _data(planted.admin.get("/api/v1/admin/audit-logs", params={"per_page": 200}), 200)

    assert records["total"] <= 200
    assert {r["event_type"] for r in records["audit_logs"]} >= {"submitted", "completed", "failed", "api_request"}
    assert sightings(records) == set()


def test_webhook_bodies_hold_no_planted_secret(planted: Planted) -> None:
    bodies = [r.body for r in planted.receiver.requests("/hooks")]

    assert {json.loads(b)["type"] for b in bodies} >= {"run.started", "run.completed", "run.failed", "task.failed"}
    assert [b for b in bodies if MARKER in b] == []


def test_no_error_message_of_a_failed_run_or_a_refused_request_holds_a_planted_secret(planted: Planted) -> None:
    errors = {name: run["error"] for name, run in planted.runs.items() if name != "uses"}

    assert {name: error["task_id"] for name, error in errors.items()} == {
        "bad_url": "bad_url",
        "bad_value": "bad_value",
        "quiet_exit": "quiet_exit",
        "bad_condition": "bad_condition",
    }
    assert sightings(errors) == set(), errors
    assert errors["bad_url"]["message"].endswith("request could not be sent: InvalidURL: Invalid port")
    assert errors["bad_condition"]["message"].endswith(
        "cannot evaluate the condition: ValueError: a value is not a number"
    )
    assert [(r.status_code, r.json()["code"]) for r in planted.bad_answers] == [
        (400, "invalid_app"),
        (400, "unknown_field"),
        (400, "invalid_workflow"),
        (400, "unknown_field"),
    ]
    assert [r.text for r in planted.bad_answers if MARKER in r.text] == []


def test_metrics_of_the_api_and_the_worker_hold_no_planted_secret(planted: Planted) -> None:
    texts = [httpx.get(f"{url}/metrics").text for url in (planted.api_url, planted.worker_metrics_url)]

    assert all("# TYPE" in text for text in texts)
    assert [MARKER in text for text in texts] == [False, False]


# What docs/api.md (Run views) and docs/architecture.md (Tenant secrets) promise a viewer: a get_secret result
# is a task result like any other, in the run's context, the step's result and its checkpoints; the run's query
# answers its inputs and its variables (the definition's, and the results so far). Nowhere else.
RUN, STEP = "/api/v1/workflows/{workflow_run_id}", "/api/v1/workflows/{workflow_run_id}/steps/{step_name}"
PROMISED = {
    RUN: {("vault", "data.context.vault_token"), ("app", "data.context.app_key")},
    STEP: {("vault", "data.result"), ("app", "data.result")},
    f"{STEP}/checkpoints": {("vault", "data.items[].value"), ("app", "data.items[].value")},
    f"{RUN}/checkpoints": {("vault", "data.items[].value"), ("app", "data.items[].value")},
    f"{RUN}/query": {
        ("input", "data.inputs.api_token"),
        ("variable", "data.variables.db_password"),
        ("vault", "data.variables.vault_token"),
        ("app", "data.variables.app_key"),
    },
}


def _run_views(viewer: httpx.Client) -> list[str]:
    """Every GET path of the OpenAPI document about one run, but an activity's: these runs start none."""
    paths = viewer.get("/api/v1/openapi.json").json()["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        if path.startswith(RUN_VIEW_PREFIXES) and "get" in operations and "{activity_id}" not in path
    )


def _urls(path: str, run_id: str, tasks: list[str]) -> list[str]:
    url = path.replace("{workflow_run_id}", run_id)
    if "{step_name}" in url or "{task_id}" in url:
        return [url.replace("{step_name}", task).replace("{task_id}", task) for task in tasks]
    return [url]


def test_a_viewer_sees_a_planted_secret_only_where_the_docs_promise_it(planted: Planted) -> None:
    views = _run_views(planted.viewer)
    seen: dict[str, set[tuple[str, str]]] = {}
    for name, run in planted.runs.items():
        for path in views:
            for url in _urls(path, run["workflow_run_id"], list(planted.definitions[name]["tasks"])):
                response = planted.viewer.get(url, params={"all": "true"} if path.endswith("/query") else None)
                assert response.status_code == 200, (url, response.text)
                answer = response.json() if "json" in response.headers["content-type"] else response.text
                found = sightings(answer)
                assert found <= PROMISED.get(path, set()), (name, url, found)
                seen.setdefault(path, set()).update(found)
    for path in TENANT_LISTS:
        response = planted.viewer.get(path)
        assert (response.status_code, sightings(response.json())) == (200, set()), path

    assert set(views) >= set(PROMISED) and f"{RUN}/events" in views and f"{STEP}/logs" in views
    assert {path: seen[path] for path in PROMISED} == PROMISED


def test_the_console_page_of_a_run_shows_a_viewer_no_more_than_the_run_views_do(planted: Planted) -> None:
    shown = {}
    for name, run in planted.runs.items():
        page = planted.viewer.get(f"/ui/runs/{run['workflow_run_id']}")
        assert page.status_code == 200, page.text[:500]
        shown[name] = {source for source, secret in SECRETS.items() if secret in page.text}

    # docs/console.md: a run's page shows its context and each task's result (as the run views do), not its
    # inputs or variables; so the secrets the two get_secret steps read, and no other.
    assert shown == {name: {"vault", "app"} for name in planted.runs}
