"""Submitting Python DSL source (`python_dsl`): evaluated in a sandbox, then run like any definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from highway_dsl import Workflow

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load

EXAMPLES = Path(__file__).resolve().parents[2] / "workflow_examples"


def _submit_source(tenant: Tenant, source: str) -> dict[str, object]:
    response = tenant.client.post("/api/v1/workflows", json={"python_dsl": source, "inputs": {"name": "dsl"}})
    return {**response.json(), "http_status": response.status_code}


def test_python_dsl_source_is_evaluated_and_runs_to_completion(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    response = _submit_source(tenant, (EXAMPLES / "three_shell_steps.py").read_text())
    assert response["http_status"] == 201, response

    run = tenant.wait_for_state(response["data"]["workflow_run_id"])  # type: ignore[index]

    assert run["state"] == "completed"
    assert run["context"]["shouted"]["stdout"] == "HELLO DSL"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import socket\nsocket.create_connection(('127.0.0.1', 5432))", "not allowed"),
        ("import subprocess\nsubprocess.run(['true'])", "not allowed"),
        ("open('escape.txt', 'w').write('x')", "not allowed"),
        ("import os\nos.environ['HWE_DATABASE_URL']", "KeyError"),
        ("x = 1", "defines no workflow"),
        ("def broken(:\n    pass", "SyntaxError"),
    ],
)
def test_python_dsl_that_breaks_the_sandbox_or_builds_nothing_gets_400(
    tenant: Tenant, source: str, reason: str
) -> None:
    response = _submit_source(tenant, source)
    assert response["http_status"] == 400, response
    assert response["code"] == "invalid_workflow"
    assert reason in str(response["message"])


def test_python_dsl_and_a_json_definition_together_get_400(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v1/workflows", json={"python_dsl": "x = 1", "workflow_definition": {}})
    assert response.status_code == 400
    assert response.json()["code"] == "conflicting_fields"


def test_a_definition_sent_as_yaml_runs_like_its_json(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    text = Workflow.model_validate(load("three_shell_steps")).to_yaml()
    response = tenant.client.post("/api/v1/workflows", json={"workflow_yaml": text, "inputs": {"name": "yaml"}})
    assert response.status_code == 201, response.text

    run = tenant.wait_for_state(response.json()["data"]["workflow_run_id"])

    assert run["context"]["shouted"]["stdout"] == "HELLO YAML"


@pytest.mark.parametrize("text", ["[1, 2]", "a: [unclosed", "!!python/object:os.system {}"])
def test_yaml_that_is_not_a_workflow_mapping_gets_400(tenant: Tenant, text: str) -> None:
    response = tenant.client.post("/api/v1/workflows", json={"workflow_yaml": text})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_workflow"
