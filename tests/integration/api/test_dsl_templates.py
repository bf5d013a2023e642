"""DSL templates and the Python DSL converter through the published SDK: the converter runs code only in the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from hwe import templates
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant

EXAMPLES = Path(__file__).resolve().parents[2] / "workflow_examples"


def test_templates_are_listed_and_read_under_the_sdks_name(tenant: Tenant, sdk_client: Any) -> None:
    api = highway_sdk.DSLTemplatesApi(sdk_client("viewer"))
    names = sorted(template["name"] for template in templates.list_templates())

    listing = sdk_call(api, "get_api_v1_dsl_templates")["data"]["items"]
    one = sdk_call(api, "get_api_v1_dsl_templatestemplate_name", names[0])["data"]
    with pytest.raises(ApiException) as missing:
        sdk_call(api, "get_api_v1_dsl_templatestemplate_name", "no_such_template")

    assert [item["name"] for item in listing] == names
    assert one == templates.get_template(names[0])
    assert missing.value.status == 404
    # One name for one thing: the old path is gone.
    assert tenant.client.get("/api/v1/templates").status_code == 404


def test_python_dsl_converts_to_a_definition_that_submits(tenant: Tenant, sdk_client: Any) -> None:
    api = highway_sdk.DSLTemplatesApi(sdk_client("operator"))
    source = (EXAMPLES / "three_shell_steps.py").read_text()

    definition = sdk_call(api, "post_api_v1_dsl_to_json", body={"code": source})["data"]["workflow_definition"]
    submitted = tenant.submit(definition, {"name": "dsl"})

    assert definition["name"] and definition["tasks"]
    assert submitted.status_code == 201, submitted.text


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import socket\nsocket.create_connection(('127.0.0.1', 5432))", "not allowed"),
        ("open('escape.txt', 'w').write('x')", "not allowed"),
        ("import os\nos.environ['HWE_DATABASE_URL']", "KeyError"),
        ("x = 1", "defines no workflow"),
        ("while True:\n    pass", "python_dsl"),  # stopped by the CPU or wall-clock limit
    ],
)
def test_code_that_breaks_the_sandbox_or_builds_nothing_is_400(tenant: Tenant, source: str, reason: str) -> None:
    # Longer than the client's usual timeout: the sandbox's own limits must be what stops the loop.
    response = tenant.client.post("/api/v1/dsl_to_json", json={"code": source}, timeout=60)
    assert response.status_code == 400, response.text
    assert reason.lower() in response.json()["message"].lower()


@pytest.mark.parametrize(
    "body", [{}, {"code": ""}, {"code": 7}, {"code": "x = 1", "inputs": {}}, {"code": "x" * 200_001}]
)
def test_a_bad_converter_body_is_400(tenant: Tenant, body: dict[str, Any]) -> None:
    response = tenant.client.post("/api/v1/dsl_to_json", json=body)
    assert response.status_code == 400, response.text


def test_a_viewer_cannot_run_the_converter(tenant: Tenant) -> None:
    response = tenant.client_as("viewer").post("/api/v1/dsl_to_json", json={"code": "x = 1"})
    assert response.status_code == 403


def test_a_conversion_repeated_under_its_key_answers_the_first_answer(tenant: Tenant) -> None:
    source = (EXAMPLES / "three_shell_steps.py").read_text()
    headers = {"X-Idempotency-Key": "convert-1"}

    first = tenant.client.post("/api/v1/dsl_to_json", json={"code": source}, headers=headers)
    replay = tenant.client.post("/api/v1/dsl_to_json", json={"code": source}, headers=headers)
    other = tenant.client.post("/api/v1/dsl_to_json", json={"code": source + "\n"}, headers=headers)

    assert first.status_code == replay.status_code == 200, replay.text
    assert replay.json()["data"] == first.json()["data"]
    assert other.status_code == 409, other.text
