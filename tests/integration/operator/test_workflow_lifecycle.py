"""A Workflow resource from `kubectl apply` to its end: one run, a truthful status, Events, and deletion.

Against the Kubernetes API emulator (no real apiserver runs offline), a real kubectl, real operator
processes and the real engine API with workers.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.integration.conftest import Tenant, free_port, kill_hard, wait_until
from tests.integration.operator.conftest import EXAMPLES, Kube, Operators, runs_named, workflow
from tests.workflow_examples import load


def test_applied_example_succeeds_with_one_run_that_used_its_inputs(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    assert "workflow.highway.dev/hello created" in kube.apply(EXAMPLES / "hello.yaml")

    waited = kube.kubectl("wait", "--for=condition=Succeeded", "hwf/hello", "--timeout=60s", check=False)

    assert waited.returncode == 0, waited.stderr
    status = kube.status("hello")
    assert status["phase"] == "Succeeded"
    assert status["progress"] == "1/1"
    assert status["observedGeneration"] == 1
    assert status["runUrl"] == f"{running_tenant.api_url}/api/v1/workflows/{status['runId']}"
    assert status["startedAt"].endswith("Z") and status["finishedAt"] >= status["startedAt"]
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("Submitted", "True"),
        ("Succeeded", "True"),
        ("Synced", "True"),
    ]
    assert [run["workflow_run_id"] for run in runs_named(running_tenant, "hello")] == [status["runId"]]
    assert "hello world" in json.dumps(running_tenant.run(status["runId"])["context"]["greeting"])
    assert "highway.dev/cancel-run" in kube.get("hello")["metadata"]["finalizers"]  # type: ignore[index]


def test_kubectl_get_shows_phase_and_progress_and_the_run_in_wide_output(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    kube.apply(EXAMPLES / "hello.yaml")
    status = kube.wait_finished("hello")

    table = kube.kubectl("get", "hwf").stdout
    wide = kube.kubectl("get", "highway", "-o", "wide").stdout

    assert table.split("\n")[0].split() == ["NAME", "PHASE", "PROGRESS", "AGE"]
    assert table.split("\n")[1].split()[:3] == ["hello", "Succeeded", "1/1"]
    assert wide.split("\n")[0].split() == ["NAME", "PHASE", "PROGRESS", "RUN", "AGE", "MESSAGE"]
    assert status["runId"] in wide


def test_transitions_are_posted_as_events_without_input_values(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    kube.apply(workflow("secretive", load("three_shell_steps"), {"name": "planted-value-7f3a"}))
    status = kube.wait_finished("secretive")

    events = wait_until(
        lambda: (
            (found := [e for e in kube.events() if e["involvedObject"]["name"] == "secretive"])
            and len(found) >= 2
            and found
        ),
        15,
        "the operator's events",
    )

    assert status["phase"] == "Succeeded"
    assert [(e["type"], e["reason"]) for e in events] == [("Normal", "Submitted"), ("Normal", "Succeeded")]
    assert status["runId"] in events[0]["message"]
    assert "planted-value-7f3a" not in json.dumps(events)
    assert "planted-value-7f3a" not in json.dumps(status)
    assert "planted-value-7f3a" not in operators.started[0].log()


def test_operator_killed_mid_run_resumes_the_same_run_after_restart(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    key = running_tenant.new_key("operator")
    first = operators.start(key, running_tenant.api_url)
    kube.apply(workflow("napper", load("nap_then_greet"), {"who": "restart"}))
    submitted = kube.wait_for_status("napper", lambda s: s.get("runId"), "the run id in status")

    kill_hard(first)
    operators.start(key, running_tenant.api_url)
    status = kube.wait_finished("napper")

    assert status["phase"] == "Succeeded"
    assert status["runId"] == submitted["runId"]
    assert len(runs_named(running_tenant, "nap_then_greet")) == 1


def test_two_operator_replicas_start_one_run_for_a_generation(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    key = running_tenant.new_key("operator")
    operators.start(key, running_tenant.api_url)
    operators.start(key, running_tenant.api_url)
    kube.apply(workflow("twice", load("nap_then_greet"), {"who": "replicas"}))

    status = kube.wait_finished("twice")

    assert status["phase"] == "Succeeded"
    assert [run["workflow_run_id"] for run in runs_named(running_tenant, "nap_then_greet")] == [status["runId"]]


def test_deleting_a_running_workflow_cancels_its_run_and_removes_the_resource(
    kube: Kube, operators: Operators, running_tenant: Tenant, tmp_path: Path
) -> None:
    operators.start_for(running_tenant)
    kube.apply(workflow("long", load("long_step"), {"dir": str(tmp_path), "sleep": "60"}))
    running = kube.wait_for_status("long", lambda s: s.get("phase") == "Running", "the run to be running")

    deleted = kube.kubectl("delete", "hwf", "long", "--timeout=30s", check=False)

    assert deleted.returncode == 0, deleted.stderr
    assert kube.get("long") is None
    assert running_tenant.run(running["runId"])["state"] == "cancelled"


def test_orphan_deletion_policy_leaves_the_run_running(
    kube: Kube, operators: Operators, running_tenant: Tenant
) -> None:
    operators.start_for(running_tenant)
    kube.apply(workflow("orphan", load("nap_then_greet"), {"who": "orphan"}, deletionPolicy="Orphan"))
    running = kube.wait_for_status("orphan", lambda s: s.get("runId"), "the run id in status")

    kube.kubectl("delete", "hwf", "orphan", "--timeout=30s")

    assert kube.get("orphan") is None
    assert running_tenant.wait_for_state(running["runId"])["state"] == "completed"


def test_operator_serves_liveness_and_metrics(kube: Kube, operators: Operators, running_tenant: Tenant) -> None:
    health, metrics = free_port(), free_port()
    operators.start_for(
        running_tenant,
        HWE_OPERATOR_HEALTH_PORT=str(health),
        HWE_OPERATOR_METRICS_PORT=str(metrics),
    )
    kube.apply(EXAMPLES / "hello.yaml")
    kube.wait_finished("hello")

    text = wait_until(
        lambda: (
            'hwe_operator_resources{phase="Succeeded"} 1.0' in (t := httpx.get(f"http://127.0.0.1:{metrics}").text)
            and t
        ),
        10,
        "the phase gauge",
    )

    assert httpx.get(f"http://127.0.0.1:{health}/healthz").status_code == 200
    assert 'hwe_operator_reconciles_total{outcome="submitted"} 1.0' in text
    assert 'hwe_operator_engine_request_seconds_count{operation="submit",outcome="ok"} 1.0' in text
