"""Replay steps and simulation through the SDK: a definition run against a run's checkpoints, without side effects."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

Client = Callable[[str], highway_sdk.ApiClient]
SIMULATE = "post_api_v1_workflowsworkflow_run_id_simulate"


@pytest.fixture
def finished(running_tenant: Tenant) -> tuple[Tenant, str]:
    """A tenant with one completed run of three_shell_steps (greet → combine → shout)."""
    run_id = running_tenant.submit(load("three_shell_steps"), {"name": "n"}).json()["data"]["workflow_run_id"]
    assert running_tenant.wait_for_state(run_id)["state"] == "completed"
    return running_tenant, run_id


def _status(api: Any, operation: str, *path_args: str, **options: Any) -> int:
    with pytest.raises(ApiException) as raised:
        sdk_call(api, operation, *path_args, **options)
    return int(raised.value.status)


def test_replay_steps_lists_each_task_with_its_checkpoint(finished: tuple[Tenant, str], sdk_client: Client) -> None:
    _, run_id = finished

    data = sdk_call(
        highway_sdk.ReplayApi(sdk_client("viewer")), "get_api_v1_workflowsworkflow_run_id_replay_steps", run_id
    )

    assert {s["name"]: (s["has_checkpoint"], s["status"]) for s in data["data"]["steps"]} == {
        "greet": (True, "ok"),
        "combine": (True, "ok"),
        "shout": (True, "ok"),
    }
    assert data["data"]["total_checkpoints"] >= 3


def test_the_runs_own_definition_matches_its_recorded_steps(finished: tuple[Tenant, str], sdk_client: Client) -> None:
    _, run_id = finished

    report = sdk_call(highway_sdk.ReplayApi(sdk_client("viewer")), SIMULATE, run_id)["data"]

    assert (report["simulation_status"], report["divergences"], report["definition"]) == ("matches", [], "run")
    assert sorted(report["executed_steps"]) == ["combine", "greet", "shout"]


def test_a_changed_argument_diverges_at_that_step_and_nothing_is_run(
    finished: tuple[Tenant, str], sdk_client: Client
) -> None:
    tenant, run_id = finished
    changed = load("three_shell_steps")
    changed["tasks"]["combine"]["args"] = ["printf '{{greeting.stdout}} / {{inputs.name}}'"]
    before = tenant.client.get("/api/v1/workflows", params={"limit": 100}).json()["data"]

    report = sdk_call(
        highway_sdk.ReplayApi(sdk_client("viewer")), SIMULATE, run_id, body={"workflow_definition": changed}
    )["data"]

    divergence = report["divergences"][0]
    assert (report["simulation_status"], divergence["step"], divergence["kind"]) == ("diverged", "combine", "inputs")
    assert divergence["recorded"]["args"] == ["printf 'hello n'"]
    assert divergence["simulated"]["args"] == ["printf 'hello / n'"]
    assert report["executed_steps"] == ["greet"]
    assert tenant.client.get("/api/v1/workflows", params={"limit": 100}).json()["data"] == before


def test_a_renamed_step_and_a_new_dependency_diverge_by_name_and_by_order(finished: tuple[Tenant, str]) -> None:
    tenant, run_id = finished
    renamed = load("three_shell_steps")
    renamed["tasks"]["hello"] = {**renamed["tasks"].pop("greet"), "task_id": "hello"}
    renamed["tasks"]["combine"]["dependencies"] = ["hello"]
    reordered = copy.deepcopy(load("three_shell_steps"))
    reordered["tasks"]["greet"]["dependencies"] = ["shout"]
    reordered["tasks"]["combine"]["dependencies"] = []

    by_name = tenant.client.post(f"/api/v1/workflows/{run_id}/simulate", json={"workflow_definition": renamed})
    by_order = tenant.client.post(f"/api/v1/workflows/{run_id}/simulate", json={"workflow_definition": reordered})

    assert by_name.json()["data"]["divergences"][0]["kind"] == "name"
    assert by_order.json()["data"]["divergences"][0]["kind"] == "order"


def test_resume_from_skips_the_steps_before_it(finished: tuple[Tenant, str]) -> None:
    tenant, run_id = finished

    response = tenant.client.post(f"/api/v1/workflows/{run_id}/simulate", json={"resume_from": "shout"})

    data = response.json()["data"]
    assert (data["resume_from"], data["skipped_steps_count"], data["executed_steps"]) == ("shout", 2, ["shout"])


def test_bad_requests_are_400(finished: tuple[Tenant, str], sdk_client: Client) -> None:
    _, run_id = finished
    api = highway_sdk.ReplayApi(sdk_client("viewer"))

    for body in ({"resume_from": "nope"}, {"resume_from": 5}, {"workflow_definition": {"tasks": 5}}, {"x": 1}):
        assert _status(api, SIMULATE, run_id, body=body) == 400, body


def test_another_tenants_run_is_not_found(finished: tuple[Tenant, str], make_tenant: Any) -> None:
    _, run_id = finished
    other = make_tenant()

    assert other.client.get(f"/api/v1/workflows/{run_id}/replay/steps").status_code == 404
    assert other.client.post(f"/api/v1/workflows/{run_id}/simulate").status_code == 404
    assert other.client.post(f"/api/v1/workflows/{uuid.uuid4()}/simulate").status_code == 404
    assert other.client.get("/api/v1/workflows/not-a-uuid/replay/steps").status_code == 404
