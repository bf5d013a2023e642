"""Where a Workflow's definition and inputs come from, and what its status says when something is wrong.

Against the Kubernetes API emulator (no real apiserver runs offline), a real kubectl, real operator
processes and the real engine API with workers.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.conftest import Tenant, free_port, start_api_process
from tests.integration.operator.conftest import (
    EXAMPLES,
    Kube,
    Operators,
    condition,
    runs_named,
    without_nulls,
    workflow,
)
from tests.workflow_examples import load


def test_invalid_definition_fails_with_the_engines_reason_and_starts_no_run(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operator = operators.start_for(running_tenant)
    broken = load("three_shell_steps")
    broken["tasks"]["combine"]["dependencies"] = ["no_such_task"]
    kube.apply(workflow("broken", broken, {"name": "x"}))

    status = kube.wait_finished("broken")

    assert status["phase"] == "Failed"
    assert condition(status, "Submitted")["status"] == "False"
    assert condition(status, "Submitted")["reason"] == "InvalidWorkflow"
    assert "no_such_task" in status["message"]
    assert "runId" not in status
    assert runs_named(running_tenant, broken["name"]) == []
    assert operator.process.poll() is None
    kube.apply(workflow("fine", load("three_shell_steps"), {"name": "after"}))
    assert kube.wait_finished("fine")["phase"] == "Succeeded"


def test_stored_definition_runs_by_name_and_a_missing_one_fails_with_definition_not_found(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    stored = running_tenant.client.post(
        "/api/v1/workflows/definitions", json={"workflow_definition": load("nap_then_greet")}
    )
    assert stored.status_code == 201, stored.text
    operators.start_for(running_tenant)
    reference = {"apiVersion": "highway.dev/v1alpha1", "kind": "Workflow"}
    kube.apply(
        {
            **reference,
            "metadata": {"name": "by-ref"},
            "spec": {"workflowRef": {"name": "nap_then_greet"}, "inputs": {"who": "ref"}},
        }
    )
    kube.apply({**reference, "metadata": {"name": "no-ref"}, "spec": {"workflowRef": {"name": "not_stored"}}})

    found, missing = kube.wait_finished("by-ref"), kube.wait_finished("no-ref")

    assert found["phase"] == "Succeeded"
    assert "hello ref" in json.dumps(running_tenant.run(found["runId"])["context"])
    assert missing["phase"] == "Failed"
    assert condition(missing, "Submitted")["reason"] == "DefinitionNotFound"


def test_configmap_definition_and_inputs_from_configmap_and_secret_run_and_stay_out_of_status(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    kube.apply(EXAMPLES / "definition-from-configmap.yaml")

    status = kube.wait_finished("etl")

    assert status["phase"] == "Succeeded", status
    run = running_tenant.run(status["runId"])
    assert "extracting orders for analytics" in json.dumps(run["context"])  # spec.inputs wins over inputsFrom
    resource = json.dumps(kube.get("etl"))
    assert "not-a-real-token" not in resource
    assert "not-a-real-token" not in json.dumps(kube.events())
    assert "not-a-real-token" not in operators.started[0].log()


def test_missing_configmap_keeps_the_workflow_pending_until_it_is_created(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    definition = json.dumps(without_nulls(load("three_shell_steps")))
    resource = {
        "apiVersion": "highway.dev/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "later"},
        "spec": {
            "definitionFrom": {"configMapKeyRef": {"name": "later-def", "key": "wf.json"}},
            "inputs": {"name": "x"},
        },
    }
    kube.apply(resource)
    pending = kube.wait_for_status(
        "later", lambda s: condition(s, "Submitted").get("reason") == "ConfigMapNotFound", "ConfigMapNotFound"
    )

    kube.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "later-def"}, "data": {"wf.json": definition}}
    )

    assert pending["phase"] == "Pending"
    assert kube.wait_finished("later")["phase"] == "Succeeded"


def test_engine_outage_mid_run_marks_the_status_unsynced_until_the_engine_answers_again(
    kube: Kube, operators: Operators, running_tenant: Tenant, service_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    api, _ = start_api_process(service_env, tmp_path / "api-1.log", port)
    operators.start(running_tenant.new_key("operator"), f"http://127.0.0.1:{port}")
    kube.apply(workflow("outage", load("nap_then_greet"), {"who": "outage"}))
    running = kube.wait_for_status("outage", lambda s: s.get("phase") == "Running", "the run to be running")

    api.stop()
    unsynced = kube.wait_for_status("outage", lambda s: condition(s, "Synced").get("status") == "False", "Synced=False")
    api, _ = start_api_process(service_env, tmp_path / "api-2.log", port)
    try:
        status = kube.wait_finished("outage", timeout=90)
    finally:
        api.stop()

    assert (unsynced["phase"], unsynced["runId"]) == ("Running", running["runId"])
    assert condition(unsynced, "Synced")["reason"] == "EngineUnavailable"
    assert (status["phase"], status["runId"]) == ("Succeeded", running["runId"])
    assert condition(status, "Synced")["status"] == "True"
    assert len(runs_named(running_tenant, "nap_then_greet")) == 1


def test_operator_limited_to_namespaces_leaves_the_others_alone(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    operators.start_for(running_tenant, HWE_OPERATOR_NAMESPACES="team-a")
    kube.apply(workflow("ignored", load("three_shell_steps"), {"name": "default"}))
    kube.apply(workflow("served", load("three_shell_steps"), {"name": "team-a"}), namespace="team-a")

    served = kube.wait_finished("served", namespace="team-a")

    assert served["phase"] == "Succeeded"
    assert kube.status("ignored") == {}
    assert [run["workflow_run_id"] for run in runs_named(running_tenant, "three_shell_steps")] == [served["runId"]]


def test_namespace_api_key_secret_runs_the_namespaces_workflows_in_its_tenant(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start(None, running_tenant.api_url)  # no key of its own: only namespaces with a key are served
    key = running_tenant.new_key("operator")
    kube.apply(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "highway-api-key"}, "stringData": {"api-key": key}}
    )
    kube.apply(workflow("keyed", load("three_shell_steps"), {"name": "tenant"}))

    status = kube.wait_finished("keyed")

    assert status["phase"] == "Succeeded"
    assert [run["workflow_run_id"] for run in runs_named(running_tenant, "three_shell_steps")] == [status["runId"]]


def test_spec_change_under_run_policy_once_is_reported_and_not_rerun(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    kube.apply(workflow("once", load("three_shell_steps"), {"name": "first"}))
    first = kube.wait_finished("once")

    kube.apply(workflow("once", load("three_shell_steps"), {"name": "second"}))
    changed = kube.wait_for_status("once", lambda s: s.get("observedGeneration") == 2, "generation 2 observed")

    assert changed["runId"] == first["runId"]
    assert condition(changed, "Submitted")["reason"] == "SpecChangeIgnored"
    assert len(runs_named(running_tenant, "three_shell_steps")) == 1
    assert kube.kubectl("wait", "--for=condition=Succeeded", "hwf/once", "--timeout=5s", check=False).returncode == 0


def test_spec_change_under_rerun_policy_cancels_the_old_run_and_starts_one_new_run(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    kube.apply(workflow("rerun", load("nap_then_greet"), {"who": "first"}, runPolicy="RerunOnSpecChange"))
    first = kube.wait_for_status("rerun", lambda s: s.get("runId"), "the first run")

    kube.apply(workflow("rerun", load("nap_then_greet"), {"who": "second"}, runPolicy="RerunOnSpecChange"))
    second = kube.wait_for_status(
        "rerun", lambda s: s.get("observedGeneration") == 2 and s.get("phase") == "Succeeded", "the second run"
    )

    assert second["runId"] != first["runId"]
    assert running_tenant.run(first["runId"])["state"] == "cancelled"
    assert "hello second" in json.dumps(running_tenant.run(second["runId"])["context"])
    assert len(runs_named(running_tenant, "nap_then_greet")) == 2
