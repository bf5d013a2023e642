"""Stored definitions through the SDK: by id, hash, name and version, as JSON and Python DSL, and their grid."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from hwe import sandbox
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

Client = Callable[[str], highway_sdk.ApiClient]


def _store(tenant: Tenant, definition: dict[str, Any]) -> dict[str, Any]:
    response = tenant.client.post("/api/v1/workflows/definitions", json={"workflow_definition": definition})
    assert response.status_code in (200, 201), response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _status(api: Any, operation: str, *path_args: str, **options: Any) -> int:
    with pytest.raises(ApiException) as raised:
        sdk_call(api, operation, *path_args, **options)
    return int(raised.value.status)


def test_a_definition_is_read_by_id_hash_and_name_version_through_the_sdk(tenant: Tenant, sdk_client: Client) -> None:
    definition = load("three_shell_steps")
    stored = _store(tenant, definition)
    api = highway_sdk.DefaultApi(sdk_client("viewer"))

    answers = [
        sdk_call(api, "get_api_v1_workflows_definitionsdefinition_id", stored["definition_id"]),
        sdk_call(api, "get_api_v1_workflows_by_hashdefinition_hash", stored["definition_hash"]),
        sdk_call(api, "get_api_v1_workflowsworkflow_name_versionsversion", "three_shell_steps", "1"),
    ]

    for answer in answers:
        data = answer["data"]
        assert (data["workflow_name"], data["version"], data["tenant_id"]) == ("three_shell_steps", 1, tenant.tenant_id)
        assert data["definition_json"] == definition and data["deprecated"] is False


def test_the_json_view_has_only_the_names_and_the_definition(tenant: Tenant, sdk_client: Client) -> None:
    definition = load("three_shell_steps")
    stored = _store(tenant, definition)

    answer = sdk_call(
        highway_sdk.DefaultApi(sdk_client("viewer")),
        "get_api_v1_workflows_definitions_jsondefinition_id",
        stored["definition_id"],
    )

    assert answer["data"] == {
        "definition_id": stored["definition_id"],
        "workflow_name": "three_shell_steps",
        "version": 1,
        "definition_json": definition,
    }


@pytest.mark.parametrize(
    "example", ["three_shell_steps", "foreach_nested", "condition_branches", "child_workflows_fan_out"]
)
def test_the_python_dsl_source_rebuilds_the_same_json_through_the_python_dsl_path(
    tenant: Tenant, sdk_client: Client, example: str
) -> None:
    definition = load(example)
    stored = _store(tenant, definition)

    answer = sdk_call(
        highway_sdk.DefaultApi(sdk_client("viewer")),
        "get_api_v1_workflows_definitions_dsl_pythondefinition_id",
        stored["definition_id"],
    )

    source = answer["data"]["python_dsl"]
    assert source.startswith('"""') and "from highway_dsl import Workflow" in source
    assert sandbox.definition_from_python_dsl(source) == definition


def test_the_python_dsl_source_submitted_as_python_dsl_runs_the_same_definition(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    stored = _store(tenant, definition)
    source = tenant.client.get(f"/api/v1/workflows/definitions/dsl/python/{stored['definition_id']}").json()["data"]

    submitted = tenant.client.post("/api/v1/workflows", json={"python_dsl": source["python_dsl"]})
    versions = tenant.client.get("/api/v1/workflows/definitions", params={"name": "three_shell_steps"})

    assert submitted.status_code == 201, submitted.text
    assert [i["definition_id"] for i in versions.json()["data"]["items"]] == [stored["definition_id"]]


def test_the_executions_grid_shows_each_run_of_the_definition_against_its_tasks(
    running_tenant: Tenant, sdk_client: Client
) -> None:
    good, bad = load("three_shell_steps"), load("failing_second_step")
    runs = [running_tenant.submit(good, {"name": "n"}).json()["data"]["workflow_run_id"] for _ in range(2)]
    failed = running_tenant.submit(bad).json()["data"]["workflow_run_id"]
    for run_id in [*runs, failed]:
        running_tenant.wait_for_state(run_id)
    stored = running_tenant.client.get("/api/v1/workflows/definitions", params={"name": "three_shell_steps"})
    definition_id = stored.json()["data"]["items"][0]["definition_id"]
    api = highway_sdk.DefaultApi(sdk_client("viewer"))

    grid = sdk_call(api, "get_api_v1_workflows_definitionsdefinition_id_executions_grid", definition_id)["data"]
    page = sdk_call(
        api, "get_api_v1_workflows_definitionsdefinition_id_executions_grid", definition_id, query={"limit": 1}
    )["data"]

    assert [r["workflow_run_id"] for r in grid["runs"]] == runs[::-1]
    assert grid["tasks"] == ["greet", "combine", "shout"]
    assert grid["grid"]["shout"] == [{"status": "completed"}, {"status": "completed"}]
    assert all(r["status"] == "completed" and r["duration_ms"] >= 0 for r in grid["runs"])
    assert [r["workflow_run_id"] for r in page["runs"]] == [runs[1]] and page["limit"] == 1


def test_the_grid_marks_the_failed_step_and_skips_what_never_ran(running_tenant: Tenant) -> None:
    definition = load("failing_second_step")
    run_id = running_tenant.submit(definition).json()["data"]["workflow_run_id"]
    running_tenant.wait_for_state(run_id)
    items = running_tenant.client.get("/api/v1/workflows/definitions").json()["data"]["items"]

    grid = running_tenant.client.get(f"/api/v1/workflows/definitions/{items[0]['definition_id']}/executions/grid")

    states = {task: cells[0]["status"] for task, cells in grid.json()["data"]["grid"].items()}
    assert states == {"prepare": "completed", "break": "failed", "never": "skipped"}


def test_another_tenants_definition_is_not_found_by_any_route(make_tenant: Any) -> None:
    owner, other = make_tenant(), make_tenant()
    stored = _store(owner, load("three_shell_steps"))
    digest = stored["definition_id"]

    for path in (
        f"/api/v1/workflows/definitions/{digest}",
        f"/api/v1/workflows/definitions/json/{digest}",
        f"/api/v1/workflows/definitions/dsl/python/{digest}",
        f"/api/v1/workflows/definitions/{digest}/executions/grid",
        f"/api/v1/workflows/by-hash/{digest}",
        "/api/v1/workflows/three_shell_steps/versions/1",
    ):
        response = other.client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_malformed_ids_versions_and_query_parameters_are_refused_not_failed(tenant: Tenant, sdk_client: Client) -> None:
    api = highway_sdk.DefaultApi(sdk_client("viewer"))
    digest = _store(tenant, load("three_shell_steps"))["definition_id"]

    assert _status(api, "get_api_v1_workflows_definitionsdefinition_id", "xyz") == 404
    assert _status(api, "get_api_v1_workflows_by_hashdefinition_hash", "0" * 64) == 404
    for version in ("0", "one", "99999999999999", "-1"):
        status = _status(api, "get_api_v1_workflowsworkflow_name_versionsversion", "x", version)
        assert status == 404, version
    for query in ({"limit": 0}, {"limit": "x"}, {"days": 91}, {"offset": -1}, {"bogus": 1}):
        status = _status(api, "get_api_v1_workflows_definitionsdefinition_id_executions_grid", digest, query=query)
        assert status == 400, query


def test_a_prefixed_hash_finds_the_same_definition(tenant: Tenant) -> None:
    stored = _store(tenant, load("three_shell_steps"))

    response = tenant.client.get(f"/api/v1/workflows/by-hash/sha256:{stored['definition_hash'].upper()}")

    assert response.status_code == 200
    assert response.json()["data"]["definition_id"] == stored["definition_id"]


def test_storing_with_an_idempotency_key_answers_a_repeat_the_same(tenant: Tenant) -> None:
    key = {"X-Idempotency-Key": uuid.uuid4().hex}
    body = {"workflow_definition": load("three_shell_steps")}

    first = tenant.client.post("/api/v1/workflows/definitions", json=body, headers=key)
    again = tenant.client.post("/api/v1/workflows/definitions", json=body, headers=key)
    other = tenant.client.post(
        "/api/v1/workflows/definitions", json={"workflow_definition": load("failing_second_step")}, headers=key
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["data"] == first.json()["data"]
    assert other.status_code == 409


def test_different_contents_submitted_at_once_under_one_name_are_each_stored_once(tenant: Tenant) -> None:
    bodies = []
    for i in range(8):
        definition = load("three_shell_steps")
        definition["tasks"]["greet"]["args"] = [f"printf v{i}"]
        bodies += [definition, definition]
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        responses = [future.result(timeout=30) for future in [pool.submit(tenant.submit, d) for d in bodies]]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    statuses = [response.status_code for response in responses]

    items = tenant.client.get("/api/v1/workflows/definitions").json()["data"]["items"]

    assert statuses == [201] * 16
    assert sorted(i["version"] for i in items) == list(range(1, 9))
    assert len({i["definition_hash"] for i in items}) == 8
