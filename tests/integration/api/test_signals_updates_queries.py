"""Signals, updates and queries: a run waits for a signal or an update of its own, and is read without change."""

from __future__ import annotations

import json
from typing import Any

import highway_sdk
import httpx
import jsonschema
import pytest
import referencing
import referencing.jsonschema
from highway_dsl import WorkflowBuilder
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant, WorkerPool, wait_until


def _talking_workflow() -> dict[str, Any]:
    """Sets `counter`, waits for the signal `approve`, then the update `resize`, and reports both payloads."""
    builder = WorkflowBuilder("talking", version="1.0.0")
    builder.task("count", "tools.simple_counter.init_counter", kwargs={"start": 5})
    builder.wait_for_event("approve", event_name="signal:approve", timeout_seconds=120, result_key="approval")
    builder.wait_for_event("resize", event_name="update:resize", timeout_seconds=120, result_key="resized")
    builder.task(
        "report",
        "tools.shell.run",
        args=["printf '{{approval.payload.who}} {{resized.payload.size}}'"],
        result_key="report",
    )
    definition: dict[str, Any] = json.loads(builder.build().to_json())
    definition["variables"] = {"greeting": "hi"}
    return definition


def _quick_workflow() -> dict[str, Any]:
    builder = WorkflowBuilder("quick", version="1.0.0")
    builder.task("hello", "tools.shell.run", args=["printf hello"], result_key="hello")
    definition: dict[str, Any] = json.loads(builder.build().to_json())
    return definition


def _submit(tenant: Tenant, definition: dict[str, Any]) -> str:
    response = tenant.submit(definition)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _wait_at(tenant: Tenant, run_id: str, step: str) -> None:
    wait_until(
        lambda: (run := tenant.run(run_id))["state"] == "waiting" and run["current_step"] == step,
        30,
        f"run {run_id} to wait in {step}",
    )


def _signal(tenant: Tenant, run_id: str, name: str, payload: dict[str, Any], **headers: str) -> dict[str, Any]:
    body = {"signal_name": name, "payload": payload}
    response = tenant.client.post(f"/api/v1/workflows/{run_id}/signals", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _conforms(tenant: Tenant, path: str, method: str, status: str, answer: Any) -> None:
    """Checks an answer against the schema the OpenAPI document gives that operation and status."""
    document = httpx.get(f"{tenant.api_url}/api/v1/openapi.json").json()
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    registry = referencing.Registry().with_resource(
        "urn:doc",
        referencing.Resource.from_contents(document, default_specification=referencing.jsonschema.DRAFT202012),
    )
    text = json.dumps({**schema, "$id": "urn:answer"}).replace('"#/components', '"urn:doc#/components')
    jsonschema.Draft202012Validator(json.loads(text), registry=registry).validate(answer)


def _data(tenant: Tenant, path: str, **params: Any) -> Any:
    response = tenant.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_waiting_run_takes_its_signal_then_its_update_and_completes(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _submit(tenant, _talking_workflow())
    _wait_at(tenant, run_id, "approve")

    sent = _signal(tenant, run_id, "approve", {"who": "ann"})
    _wait_at(tenant, run_id, "resize")
    update = tenant.client.post(
        f"/api/v1/workflows/{run_id}/updates",
        json={"update_name": "resize", "update_payload": {"size": 3}, "timeout_seconds": 8},
    )
    run = tenant.wait_for_state(run_id)

    assert sent["delivered"] is True and sent["signal_name"] == "approve"
    assert update.status_code == 200, update.text
    answer = update.json()["data"]
    assert answer["status"] == "COMPLETED"
    assert answer["result"] == {"accepted_by": "resize", "payload": {"size": 3}}
    assert run["state"] == "completed", run["error"]
    assert run["context"]["report"]["stdout"] == "ann 3"
    signals = _data(tenant, f"/api/v1/workflows/{run_id}/signals")
    assert [(s["signal_name"], s["status"], s["delivered_to"]) for s in signals["items"]] == [
        ("approve", "delivered", "approve")
    ]
    assert signals["items"][0]["sequence"] == sent["sequence"]
    history = _data(tenant, f"/api/v1/workflows/{run_id}/updates/history")
    assert [(u["update_id"], u["status"]) for u in history["items"]] == [(answer["update_id"], "COMPLETED")]
    assert _data(tenant, f"/api/v1/workflows/{run_id}/updates")["items"] == []


def test_a_signal_reaches_only_the_run_it_was_sent_to(tenant: Tenant, workers: WorkerPool) -> None:
    signalled, other = _submit(tenant, _talking_workflow()), _submit(tenant, _talking_workflow())
    # Sent before either run started: kept for the signalled run's wait, never given to the other's.
    assert _signal(tenant, signalled, "approve", {"who": "bo"})["delivered"] is False
    pending = _data(tenant, f"/api/v1/workflows/{signalled}/signals", status="pending")["items"]
    workers.start(tenant.queue)

    _wait_at(tenant, signalled, "resize")
    _wait_at(tenant, other, "approve")

    assert [(s["signal_name"], s["payload"]) for s in pending] == [("approve", {"who": "bo"})]
    assert _data(tenant, f"/api/v1/workflows/{other}/signals")["items"] == []
    steps = {s["task_id"]: s["state"] for s in _data(tenant, f"/api/v1/workflows/{other}/steps")["items"]}
    assert steps["approve"] == "running" and steps["resize"] == "pending"


def test_an_update_not_taken_in_time_answers_202_and_stays_pending_until_the_run_ends(tenant: Tenant) -> None:
    run_id = _submit(tenant, _talking_workflow())  # no worker: the run never reaches its wait

    response = tenant.client.post(
        f"/api/v1/workflows/{run_id}/updates", json={"update_name": "resize", "timeout_seconds": 0.3}
    )
    pending = _data(tenant, f"/api/v1/workflows/{run_id}/updates", update_name="resize")
    assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200
    history = _data(tenant, f"/api/v1/workflows/{run_id}/updates/history")

    assert response.status_code == 202, response.text
    _conforms(tenant, "/api/v1/workflows/{workflow_run_id}/updates", "post", "202", response.json())
    update = response.json()["data"]
    assert (update["status"], update["result"], update["update_payload"]) == ("PENDING", None, {})
    assert [u["update_id"] for u in pending["items"]] == [update["update_id"]]
    assert [u["status"] for u in history["items"]] == ["FAILED"]
    assert _data(tenant, f"/api/v1/workflows/{run_id}/updates/history", status="PENDING")["items"] == []
    assert _data(tenant, f"/api/v1/workflows/{run_id}/signals", status="undelivered")["items"] == []


def test_a_finished_run_takes_no_signal_and_no_update(tenant: Tenant) -> None:
    run_id = _submit(tenant, _talking_workflow())
    assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200

    signal = tenant.client.post(f"/api/v1/workflows/{run_id}/signals", json={"signal_name": "approve"})
    update = tenant.client.post(f"/api/v1/workflows/{run_id}/updates", json={"update_name": "resize"})

    assert signal.status_code == 409, signal.text
    assert signal.json()["code"] == "run_finished"
    assert update.status_code == 409, update.text
    assert _data(tenant, f"/api/v1/workflows/{run_id}/signals")["items"] == []


def test_a_signal_sent_twice_with_one_idempotency_key_is_sent_once(tenant: Tenant) -> None:
    run_id = _submit(tenant, _talking_workflow())

    first = _signal(tenant, run_id, "approve", {"who": "cy"}, **{"X-Idempotency-Key": "sig-1"})
    again = _signal(tenant, run_id, "approve", {"who": "cy"}, **{"X-Idempotency-Key": "sig-1"})
    other = tenant.client.post(
        f"/api/v1/workflows/{run_id}/signals",
        json={"signal_name": "approve", "payload": {"who": "dee"}},
        headers={"X-Idempotency-Key": "sig-1"},
    )
    updates = [
        tenant.client.post(
            f"/api/v1/workflows/{run_id}/updates",
            json={"update_name": "resize", "timeout_seconds": 0},
            headers={"X-Idempotency-Key": "upd-1"},
        )
        for _ in range(2)
    ]

    assert again == first
    assert other.status_code == 409
    assert len(_data(tenant, f"/api/v1/workflows/{run_id}/signals")["items"]) == 1
    assert [u.status_code for u in updates] == [202, 202]
    assert updates[0].json()["data"]["update_id"] == updates[1].json()["data"]["update_id"]
    assert len(_data(tenant, f"/api/v1/workflows/{run_id}/updates/history")["items"]) == 1


def test_a_query_reads_one_variable_or_all_without_changing_the_run(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _submit(tenant, _talking_workflow())
    _wait_at(tenant, run_id, "approve")
    path = f"/api/v1/workflows/{run_id}/query"

    one = _data(tenant, path, variable="counter")
    every = _data(tenant, path, all="true", include_version="true")
    again = _data(tenant, path, all="true", include_version="true")
    missing = tenant.client.get(path, params={"variable": "nothing"})

    assert (one["variable"], one["value"], one["state"]) == ("counter", 5, "waiting")
    assert every["variables"] == {"greeting": "hi", "counter": 5}
    assert every["inputs"] == {}
    assert every == again
    assert missing.status_code == 404
    assert tenant.run(run_id)["state"] == "waiting"
    _signal(tenant, run_id, "approve", {"who": "ed"})
    _wait_at(tenant, run_id, "resize")
    later = _data(tenant, path, all="true", include_version="true")
    assert later["variables"]["approval"] == {"event_name": "signal:approve", "payload": {"who": "ed"}}
    assert later["version"] > every["version"]


@pytest.mark.parametrize(
    ("method", "path", "body", "params", "reason"),
    [
        ("post", "signals", {}, None, "signal name"),
        ("post", "signals", {"signal_name": "x" * 151}, None, "signal name"),
        ("post", "signals", {"signal_name": "a", "payload": [1]}, None, "JSON object"),
        ("post", "signals", {"signal_name": "a", "colour": 1}, None, "colour"),
        ("post", "updates", {"update_name": "a", "timeout_seconds": 61}, None, "timeout_seconds"),
        ("post", "updates", {"update_name": "a", "timeout_seconds": "5"}, None, "timeout_seconds"),
        ("post", "updates", {"update_name": 7}, None, "update name"),
        ("get", "signals", None, {"limit": "0"}, "limit"),
        ("get", "signals", None, {"status": "lost"}, "status"),
        ("get", "updates/history", None, {"after": "-1"}, "after"),
        ("get", "updates", None, {"colour": "red"}, "colour"),
        ("get", "query", None, {}, "exactly one"),
        ("get", "query", None, {"variable": "a", "all": "true"}, "exactly one"),
        ("get", "query", None, {"all": "yes"}, "all"),
        ("get", "signals", None, {"limit": ["1", "2"]}, "more than once"),
    ],
)
def test_bad_input_is_a_400_that_says_why(
    tenant: Tenant, method: str, path: str, body: Any, params: Any, reason: str
) -> None:
    run_id = _submit(tenant, _talking_workflow())
    url = f"/api/v1/workflows/{run_id}/{path}"

    response = tenant.client.post(url, json=body) if method == "post" else tenant.client.get(url, params=params)

    assert response.status_code == 400, response.text
    assert reason in response.json()["message"]


def test_a_viewer_reads_but_cannot_signal_or_update(tenant: Tenant) -> None:
    run_id = _submit(tenant, _talking_workflow())
    viewer = tenant.client_as("viewer")

    signal = viewer.post(f"/api/v1/workflows/{run_id}/signals", json={"signal_name": "approve"})
    update = viewer.post(f"/api/v1/workflows/{run_id}/updates", json={"update_name": "resize"})

    assert (signal.status_code, update.status_code) == (403, 403)
    for view in (
        "signals",
        "updates",
        "updates/history",
        "query?all=true",
        "locks",
        "sagas",
        "steps/count/checkpoints",
    ):
        assert viewer.get(f"/api/v1/workflows/{run_id}/{view}").status_code == 200, view
    assert _data(tenant, f"/api/v1/workflows/{run_id}/signals")["items"] == []


def test_another_tenants_run_is_not_found(tenant: Tenant, make_tenant: Any) -> None:
    run_id = _submit(tenant, _talking_workflow())
    stranger = make_tenant()

    posts = [
        stranger.client.post(f"/api/v1/workflows/{run_id}/signals", json={"signal_name": "approve"}),
        stranger.client.post(f"/api/v1/workflows/{run_id}/updates", json={"update_name": "resize"}),
    ]
    views = ("signals", "updates", "updates/history", "query?all=true", "locks", "sagas", "steps/count/checkpoints")
    gets = [stranger.client.get(f"/api/v1/workflows/{run_id}/{view}") for view in views]

    assert [r.status_code for r in posts + gets] == [404] * (len(posts) + len(gets))
    assert _data(tenant, f"/api/v1/workflows/{run_id}/signals")["items"] == []
    assert _data(tenant, f"/api/v1/workflows/{run_id}/updates")["items"] == []


def test_every_operation_through_the_published_sdk(tenant: Tenant, workers: WorkerPool, sdk_client: Any) -> None:
    workers.start(tenant.queue)
    run_id = _submit(tenant, _talking_workflow())
    _wait_at(tenant, run_id, "approve")
    operator, viewer = sdk_client("operator"), sdk_client("viewer")
    signals, updates = highway_sdk.SignalsApi(operator), highway_sdk.UpdatesApi(operator)

    with pytest.raises(ApiException) as refused:
        sdk_call(
            highway_sdk.SignalsApi(viewer),
            "post_api_v1_workflowsworkflow_run_id_signals",
            run_id,
            body={"signal_name": "approve"},
        )
    sent = sdk_call(
        signals,
        "post_api_v1_workflowsworkflow_run_id_signals",
        run_id,
        body={"signal_name": "approve", "payload": {"who": "fay"}},
        headers={"X-Idempotency-Key": "sdk-signal"},
    )["data"]
    _wait_at(tenant, run_id, "resize")
    listed = sdk_call(signals, "get_api_v1_workflowsworkflow_run_id_signals", run_id)["data"]
    query = highway_sdk.QueriesApi(viewer)
    counter = sdk_call(query, "get_api_v1_workflowsworkflow_run_id_query", run_id, query={"variable": "counter"})
    pending = sdk_call(updates, "get_api_v1_workflowsworkflow_run_id_updates", run_id)["data"]
    answer = sdk_call(
        updates,
        "post_api_v1_workflowsworkflow_run_id_updates",
        run_id,
        body={"update_name": "resize", "update_payload": {"size": 9}, "timeout_seconds": 8},
    )["data"]
    tenant.wait_for_state(run_id)
    history = sdk_call(updates, "get_api_v1_workflowsworkflow_run_id_updates_history", run_id, query={"limit": 5})
    runs_api = highway_sdk.WorkflowsApi(viewer)
    locks = sdk_call(runs_api, "get_api_v1_workflowsworkflow_run_id_locks", run_id)["data"]
    sagas = sdk_call(runs_api, "get_api_v1_workflowsworkflow_run_id_sagas", run_id)["data"]
    default = highway_sdk.DefaultApi(viewer)
    checkpoints = sdk_call(default, "get_api_v1_workflowsworkflow_run_id_stepsstep_name_checkpoints", run_id, "approve")

    assert refused.value.status == 403
    assert sent["delivered"] is True
    assert [s["status"] for s in listed["items"]] == ["delivered"]
    assert counter["data"]["value"] == 5
    assert pending["items"] == []
    assert (answer["status"], answer["result"]["payload"]) == ("COMPLETED", {"size": 9})
    assert [u["status"] for u in history["data"]["items"]] == ["COMPLETED"]
    assert (locks["locks"], locks["active_locks"], locks["total_locks"]) == ([], [], 0)
    assert (sagas["sagas"], sagas["compensation_events"], sagas["total_sagas"]) == ([], [], 0)
    run_path = "/api/v1/workflows/{workflow_run_id}"
    for path, method, status, body in [
        ("/signals", "post", "201", {"status": "success", "data": sent}),
        ("/signals", "get", "200", {"status": "success", "data": listed}),
        ("/query", "get", "200", counter),
        ("/updates", "get", "200", {"status": "success", "data": pending}),
        ("/updates", "post", "200", {"status": "success", "data": answer}),
        ("/updates/history", "get", "200", history),
        ("/locks", "get", "200", {"status": "success", "data": locks}),
        ("/sagas", "get", "200", {"status": "success", "data": sagas}),
        ("/steps/{step_name}/checkpoints", "get", "200", checkpoints),
    ]:
        _conforms(tenant, run_path + path, method, status, body)
    names = [c["step_name"] for c in checkpoints["data"]["items"]]
    assert names == ["wait_for_event:approve", "approve"]
    assert checkpoints["data"]["items"][0]["value"]["payload"] == {"who": "fay"}
