"""Run views: steps, events, checkpoints, graph (JSON and DOT) and the replayed timeline of one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load

VIEWS = ("steps", "steps/greet", "events", "checkpoints", "graph", "graph/dot", "replay")


def _submit(tenant: Tenant, example: str, inputs: dict[str, Any] | None = None) -> str:
    response = tenant.submit(load(example), inputs or {"name": "v"})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _view(tenant: Tenant, run_id: str, view: str) -> Any:
    response = tenant.client.get(f"/api/v1/workflows/{run_id}/{view}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _steps(tenant: Tenant, run_id: str) -> dict[str, dict[str, Any]]:
    return {step["task_id"]: step for step in _view(tenant, run_id, "steps")["items"]}


def test_steps_of_a_completed_run_are_completed_in_plan_order_with_timings(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant, "three_shell_steps")
    running_tenant.wait_for_state(run_id)

    items = _view(running_tenant, run_id, "steps")["items"]

    assert [s["task_id"] for s in items] == ["greet", "combine", "shout"]
    for step in items:
        assert step["state"] == "completed"
        assert step["attempts"] == 1
        assert step["function"] == "tools.shell.run"
        assert step["started_at"] <= step["finished_at"]
        assert step["duration_seconds"] >= 0
        assert step["error"] is None


def test_steps_of_a_failed_run_show_the_failed_task_with_its_error_and_skip_the_rest(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _submit(running_tenant, "failing_second_step", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id)

    steps = _steps(running_tenant, run_id)

    assert [steps[t]["state"] for t in ("prepare", "break", "never")] == ["completed", "failed", "skipped"]
    assert "disk full" in steps["break"]["error"]["message"]
    assert steps["never"]["attempts"] == 0
    assert steps["never"]["started_at"] is None


def test_steps_of_a_run_no_worker_claimed_yet_are_all_pending(tenant: Tenant) -> None:
    run_id = _submit(tenant, "three_shell_steps")

    assert {s["state"] for s in _steps(tenant, run_id).values()} == {"pending"}


def test_steps_of_a_run_sleeping_in_a_timer_show_the_timer_task_running(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(running_tenant, "sleep_between_steps", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id, ("sleeping",), timeout=10)

    steps = _steps(running_tenant, run_id)

    assert [steps[t]["state"] for t in ("before", "nap", "after")] == ["completed", "running", "pending"]


def test_steps_count_every_attempt_of_a_retried_task(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(running_tenant, "flaky_task_with_retries", {"dir": str(tmp_path)})
    assert running_tenant.wait_for_state(run_id)["state"] == "completed"

    flaky = _steps(running_tenant, run_id)["flaky"]

    assert flaky["state"] == "completed"
    assert flaky["attempts"] == 3
    # The back-off sleeps (1 s, then 2 s) are part of the task's time.
    assert flaky["duration_seconds"] >= 3


def test_step_view_shows_one_tasks_result_and_its_checkpoints(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant, "three_shell_steps")
    running_tenant.wait_for_state(run_id)

    step = _view(running_tenant, run_id, "steps/combine")

    assert step["state"] == "completed"
    assert step["result"]["stdout"] == "hello v"
    assert step["checkpoints"] == ["combine"]


def test_step_view_of_a_task_the_definition_lacks_is_404(tenant: Tenant) -> None:
    run_id = _submit(tenant, "three_shell_steps")

    response = tenant.client.get(f"/api/v1/workflows/{run_id}/steps/nope")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("view", VIEWS)
def test_run_views_of_another_tenants_run_answer_404(make_tenant: Any, view: str) -> None:
    owner, other = make_tenant(), make_tenant()
    run_id = _submit(owner, "three_shell_steps")

    response = other.client.get(f"/api/v1/workflows/{run_id}/{view}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("view", ("steps", "replay", "graph/dot"))
def test_run_views_of_an_id_that_is_not_a_uuid_answer_404(tenant: Tenant, view: str) -> None:
    assert tenant.client.get(f"/api/v1/workflows/not-a-uuid/{view}").status_code == 404


def test_run_views_need_only_the_viewer_role(tenant: Tenant) -> None:
    run_id = _submit(tenant, "three_shell_steps")
    viewer = tenant.client_as("viewer")

    assert {viewer.get(f"/api/v1/workflows/{run_id}/{view}").status_code for view in VIEWS} == {200}


def test_run_views_without_an_api_key_answer_401(tenant: Tenant) -> None:
    run_id = _submit(tenant, "three_shell_steps")

    response = tenant.client.get(f"/api/v1/workflows/{run_id}/steps", headers={"Authorization": ""})

    assert response.status_code == 401


def test_events_view_holds_the_audit_trail_and_the_event_the_run_received(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant, "wait_for_approval", {"order": "e1"})
    running_tenant.wait_for_state(run_id, ("waiting",), timeout=10)
    waiting = _view(running_tenant, run_id, "events")["waiting"]
    running_tenant.client.post(
        f"/api/v1/workflows/{run_id}/events", json={"event_name": "approval_e1", "payload": {"by": "ada"}}
    )
    running_tenant.wait_for_state(run_id)

    events = _view(running_tenant, run_id, "events")

    assert [w["event_name"] for w in waiting] == ["approval_e1"]
    audit = [record["event_type"] for record in events["audit"]]
    assert audit[0] == "submitted"
    assert audit[-1] == "completed"
    assert {"waiting", "event_posted"} <= set(audit)
    assert events["emitted"][0]["event_name"] == "approval_e1"
    assert events["received"] == [
        {
            "step": "approve",
            "event_name": "approval_e1",
            "timed_out": False,
            "payload": {"by": "ada"},
            "received_at": events["received"][0]["received_at"],
        }
    ]
    assert events["waiting"] == []


def test_events_view_lists_the_event_a_step_emitted_with_its_payload(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant, "emit_approval", {"order": "e2", "by": "grace"})
    running_tenant.wait_for_state(run_id)

    events = _view(running_tenant, run_id, "events")

    assert [(e["event_name"], e["payload"]) for e in events["emitted"]] == [("approval_e2", {"by": "grace"})]
    assert events["received"] == []
    assert "event_emitted" in [item["kind"] for item in _view(running_tenant, run_id, "replay")["timeline"]]


def test_checkpoints_view_lists_the_raw_checkpoints_with_their_values_in_step_order(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant, "three_shell_steps")
    running_tenant.wait_for_state(run_id)

    items = _view(running_tenant, run_id, "checkpoints")["items"]

    assert [(c["step_name"], c["status"]) for c in items] == [("greet", "ok"), ("combine", "ok"), ("shout", "ok")]
    assert [c["position"] for c in items] == sorted(c["position"] for c in items)
    assert items[2]["value"]["stdout"] == "HELLO V"
    assert all(c["created_at"] for c in items)


def test_graph_has_a_node_per_task_with_its_state_and_an_edge_per_dependency(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _submit(running_tenant, "failing_second_step", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id)

    graph = _view(running_tenant, run_id, "graph")

    assert graph["workflow_name"] == "failing_second_step"
    assert {n["id"]: n["state"] for n in graph["nodes"]} == {
        "prepare": "completed",
        "break": "failed",
        "never": "skipped",
    }
    assert {(e["from"], e["to"], e["kind"]) for e in graph["edges"]} == {
        ("prepare", "break", "dependency"),
        ("break", "never", "dependency"),
    }


def test_graph_dot_is_graphviz_text_with_states_as_fill_colours(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(running_tenant, "failing_second_step", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id)

    response = running_tenant.client.get(f"/api/v1/workflows/{run_id}/graph/dot")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/vnd.graphviz")
    text = response.text
    assert text.startswith('digraph "failing_second_step" {')
    assert text.rstrip().endswith("}")
    assert '"prepare" -> "break";' in text
    assert '"break" -> "never";' in text
    assert '"prepare" [label="prepare\\ncompleted", fillcolor="#9be3a8"];' in text
    assert '"break" [label="break\\nfailed", fillcolor="#f4a3a3"];' in text
    assert '"never" [label="never\\nskipped", fillcolor="#d9d9d9"];' in text


def test_replay_orders_submission_claim_steps_and_completion_in_time(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant, "three_shell_steps")
    running_tenant.wait_for_state(run_id)

    replay = _view(running_tenant, run_id, "replay")
    timeline = replay["timeline"]

    kinds = [(item["kind"], item.get("step")) for item in timeline]
    assert kinds == [
        ("submitted", None),
        ("claimed", None),
        ("step", "greet"),
        ("step", "combine"),
        ("step", "shout"),
        ("completed", None),
    ]
    assert [item["at"] for item in timeline] == sorted(item["at"] for item in timeline)
    assert all(item["duration_seconds"] >= 0 for item in timeline if item["kind"] == "step")
    assert replay["outcome"]["state"] == "completed"
    assert replay["outcome"]["duration_seconds"] > 0


def test_replay_shows_a_timer_with_its_duration_and_the_step_after_it_starting_at_the_wake_up(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _submit(running_tenant, "sleep_between_steps", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id, timeout=20)

    timeline = _view(running_tenant, run_id, "replay")["timeline"]

    sleep = next(item for item in timeline if item["kind"] == "sleep")
    after = next(item for item in timeline if item.get("step") == "after" and item["kind"] == "step")
    assert sleep["step"] == "nap"
    assert sleep["duration_seconds"] == pytest.approx(2, abs=0.2)
    assert after["started_at"] >= sleep["until"]
    assert timeline.index(sleep) < timeline.index(after)
    assert "sleeping" in [item["kind"] for item in timeline]


def test_replay_of_a_retried_task_shows_each_attempt_and_its_back_off(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(running_tenant, "flaky_task_with_retries", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id)

    timeline = _view(running_tenant, run_id, "replay")["timeline"]

    attempts = [(i["attempt"], i["status"]) for i in timeline if i["kind"] == "step"]
    assert attempts == [(1, "error"), (2, "error"), (3, "ok")]
    assert [i["step"] for i in timeline if i["kind"] == "sleep"] == ["flaky", "flaky"]
    failed = next(i for i in timeline if i["kind"] == "step")
    assert failed["error"]["type"] == "PermanentError"
