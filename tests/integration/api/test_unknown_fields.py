"""A misspelt or unknown field, in any request body or anywhere in a definition, is a 400 at submission
that names it with its path and, when one is close, the field meant; so is an empty workflow."""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import tests.workflow_examples
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

TEMPLATES = Path(__file__).resolve().parents[3] / "hwe" / "templates"


def _greet(**task: Any) -> dict[str, Any]:
    fields = {"task_id": "greet", "operator_type": "task", "function": "tools.shell.run", "args": ["true"]}
    return {"name": "typos", "tasks": {"greet": {**fields, **task}}}


def _in_a_branch(task: dict[str, Any]) -> dict[str, Any]:
    branch = {"name": "branch_a", "tasks": {"inner": {"task_id": "inner", "function": "tools.shell.run", **task}}}
    fork = {"task_id": "fork", "operator_type": "parallel", "branches": {"a": ["inner"]}}
    return {"name": "forked", "tasks": {"fork": {**fork, "branch_workflows": {"a": branch}}}}


def _in_a_loop(task: dict[str, Any]) -> dict[str, Any]:
    body = {"task_id": "each", "operator_type": "task", "function": "tools.shell.run", "args": ["true"], **task}
    loop = {"task_id": "loop", "operator_type": "foreach", "items": "{{items}}", "loop_body": [body]}
    return {"name": "looped", "variables": {"items": [1]}, "tasks": {"loop": loop}}


MISSPELT = [
    (_greet(agrs=["echo hi"]), "tasks.greet.agrs", "args"),
    ({**_greet(), "descripton": "x"}, "descripton", "description"),
    (_greet(retry_policy={"max_retries": 1, "dealy": "PT1S"}), "tasks.greet.retry_policy.dealy", "delay"),
    (_greet(timeout_policy={"timeout": "PT5S", "kill_on_timout": True}), "timeout_policy.kill_on_timout", None),
    (_greet(preconditions=[{"variable": "{{x}}", "check": "exists", "mesage": "m"}]), "preconditions[0].mesage", None),
    (_in_a_loop({"kwarg": {}}), "tasks.loop.loop_body[0].kwarg", "kwargs"),
    (_in_a_branch({"args": ["true"], "dependecies": []}), "branch_workflows.a.tasks.inner.dependecies", None),
]


@pytest.mark.parametrize(("definition", "path", "meant"), MISSPELT, ids=[case[1] for case in MISSPELT])
def test_a_misspelt_field_anywhere_in_a_definition_is_a_400_naming_its_path_and_the_field_meant(
    tenant: Tenant, definition: dict[str, Any], path: str, meant: str | None
) -> None:
    response = tenant.submit(definition)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid_workflow"
    assert path in body["message"]
    assert "did you mean" in body["message"]
    if meant is not None:
        assert f"did you mean {meant!r}?" in body["message"]


def test_an_unknown_field_with_nothing_close_lists_the_fields_that_exist(tenant: Tenant) -> None:
    response = tenant.submit(_greet(zzzz=1))
    assert response.status_code == 400
    assert "unknown field 'tasks.greet.zzzz'; the fields here are" in response.json()["message"]
    assert "result_key" in response.json()["message"]


def test_input_for_inputs_in_a_submission_is_a_400_naming_both(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "input": {"name": "x"}}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert "unknown field 'input'; did you mean 'inputs'?" in response.json()["message"]


@pytest.mark.parametrize("definition", [{"name": "empty", "tasks": {}}, {"name": "no_tasks"}])
def test_a_workflow_without_tasks_is_a_400_rather_than_a_run_of_no_steps(
    tenant: Tenant, definition: dict[str, Any]
) -> None:
    response = tenant.submit(definition)
    assert response.status_code == 400
    assert "at least one task" in response.json()["message"]


def test_tasks_written_as_a_list_is_a_400_saying_tasks_is_a_mapping(tenant: Tenant) -> None:
    response = tenant.submit({"name": "listed", "tasks": [_greet()["tasks"]["greet"]]})
    assert response.status_code == 400
    assert "tasks must be a mapping of task id to task" in response.json()["message"]


def test_a_stored_definition_and_a_yaml_submission_are_checked_the_same_way(tenant: Tenant) -> None:
    stored = tenant.client.post("/api/v1/workflows/definitions", json={"workflow_definition": _greet(agrs=[])})
    yaml_text = "name: typos\ntasks:\n  greet:\n    task_id: greet\n    function: tools.shell.run\n    agrs: [x]\n"
    submitted = tenant.client.post("/api/v1/workflows", json={"workflow_yaml": yaml_text})
    for response in (stored, submitted):
        assert response.status_code == 400, response.text
        assert "unknown field 'tasks.greet.agrs'; did you mean 'args'?" in response.json()["message"]


# Fixed ids, so every xdist worker collects the same test ids; nothing needs to exist for a body to be refused.
RUN = "00000000-0000-4000-8000-000000000017"
SCHEDULE = "00000000-0000-4000-8000-000000000018"
BODIES = [
    ("POST", "/api/v1/workflows", {"workflow_definition": {"name": "x", "tasks": {}}, "inptus": {}}, "inputs"),
    ("POST", "/api/v1/workflows/definitions", {"workflow_definition": {}, "definition": {}}, None),
    ("POST", "/api/v1/schedules", {"workflow_definition": {}, "cron": "0 3 * * *", "timezon": "UTC"}, "timezone"),
    ("PATCH", f"/api/v1/schedules/{SCHEDULE}", {"cronn": "0 4 * * *"}, "cron"),
    ("POST", f"/api/v1/workflows/{RUN}/events", {"event_name": "go", "paylod": {}}, "payload"),
    ("POST", f"/api/v1/approvals/{RUN}:gate/approve", {"approvr": "me"}, "approver"),
    ("POST", f"/api/v1/approvals/{RUN}:gate/reject", {"coment": "no"}, "comment"),
    ("POST", "/api/v1/apps", {"publisher": "p", "app_nme": "a"}, "app_name"),
    ("POST", "/api/v1/tenant/apps", {"app_id": RUN, "versionid": RUN}, "version_id"),
    ("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "event_type": ["run.completed"]}, "event_types"),
    ("POST", "/api/v1/admin/api-keys", {"name": "k", "rol": "viewer"}, "role"),
    ("POST", "/api/v1/tenants", {"tenant": "someone"}, "tenant_id"),
]


@pytest.mark.parametrize(("method", "path", "body", "meant"), BODIES, ids=[f"{m} {p}" for m, p, _, _ in BODIES])
def test_every_endpoint_that_takes_a_body_refuses_an_unknown_field_by_name(
    make_tenant: Any, method: str, path: str, body: dict[str, Any], meant: str | None
) -> None:
    # The bootstrap tenant's admin may create tenants, so every route answers for the body, not the role.
    admin = make_tenant("default")
    response = admin.client.request(method, path, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "unknown_field"
    assert "unknown field" in response.json()["message"]
    if meant is not None:
        assert f"did you mean {meant!r}?" in response.json()["message"]


def _dsl_definitions() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for module in pkgutil.walk_packages(tests.workflow_examples.__path__, "tests.workflow_examples."):
        if callable(getattr(importlib.import_module(module.name), "build", None)):
            found.append((module.name, load(module.name.removeprefix("tests.workflow_examples."))))
    for path in sorted(TEMPLATES.glob("*.json")):
        found.append((f"template {path.stem}", json.loads(path.read_text())["workflow_definition"]))
    return found


def test_every_field_the_dsl_serializes_passes_the_unknown_field_check(tenant: Tenant) -> None:
    # Every example and template as highway_dsl writes it (defaults included) is stored, which checks it as a
    # submission does; a field the DSL emits but the check did not know would be a 400 here.
    definitions = _dsl_definitions()
    assert len(definitions) > 30
    for name, definition in definitions:
        response = tenant.client.post("/api/v1/workflows/definitions", json={"workflow_definition": definition})
        message = response.json().get("message", "")
        assert "unknown field" not in message, f"{name}: {message}"


def test_the_driver_sdks_own_fields_pass_the_unknown_field_check(tenant: Tenant) -> None:
    # The shape the highway Driver SDK 0.9.1 posts (reference §3D): its own retry policy and timeouts.
    driver_task = {
        "task_id": "hello",
        "operator_type": "task",
        "function": "tools.shell.run",
        "args": ["echo hello"],
        "timeout_seconds": 300,
        "retry_policy": {"max_attempts": 3, "initial_interval_seconds": 0.5, "backoff_coefficient": 2.0},
    }
    definition = {"name": "sdk_demo", "tasks": {"hello": driver_task}, "timeout_seconds": 60}
    assert tenant.submit(copy.deepcopy(definition)).status_code == 201
