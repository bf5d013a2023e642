"""A malformed definition is a 400 that names the field, on submission and on store: never a 500."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load

BAD_VALUES: list[Any] = [5, 1.5, True, None, [], [1], {"a": 1}, ""]
ROUTES = ["/api/v1/workflows", "/api/v1/workflows/definitions"]


def _post_everywhere(tenant: Tenant, definition: Any) -> list[Any]:
    return [tenant.client.post(path, json={"workflow_definition": definition}) for path in ROUTES]


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"tasks": 5}, "name"),
        ({"name": "x", "tasks": 5}, "tasks"),
        ({"name": 5}, "name"),
        ({"name": "x", "version": 5, "tasks": {}}, "version"),
        ([load("three_shell_steps")], "workflow_definition"),
        (5, "workflow_definition"),
        (None, "workflow_definition"),
    ],
)
def test_the_definitions_of_the_issue_are_400_naming_the_field(tenant: Tenant, definition: Any, field: str) -> None:
    for response in _post_everywhere(tenant, definition):
        assert response.status_code == 400, (definition, response.text)
        assert field in response.json()["message"]


def test_every_top_level_field_of_a_wrong_type_is_400(tenant: Tenant) -> None:
    base = load("three_shell_steps")
    for field in ("name", "version", "description", "tasks", "variables", "tags", "start_task", "schedule",
                  "max_active_runs", "default_retry_policy", "deadline_seconds", "deadline_action"):  # fmt: skip
        for value in BAD_VALUES:
            definition = {**copy.deepcopy(base), field: value}
            for response in _post_everywhere(tenant, definition):
                assert response.status_code in (201, 200, 400), (field, value, response.text)


def test_every_task_field_of_a_wrong_type_is_400_naming_the_task(tenant: Tenant) -> None:
    base = load("foreach_nested")
    for field in ("operator_type", "function", "args", "kwargs", "dependencies", "task_id", "retry_policy",
                  "trigger_rule", "loop_body", "items", "result_key"):  # fmt: skip
        for value in BAD_VALUES:
            definition = copy.deepcopy(base)
            definition["tasks"]["rows"][field] = value
            for response in _post_everywhere(tenant, definition):
                assert response.status_code in (201, 200, 400), (field, value, response.text)
                if response.status_code == 400:
                    assert "rows" in response.json()["message"] or field in response.json()["message"]


def test_a_loop_body_task_whose_function_is_no_string_is_400_naming_the_field(tenant: Tenant) -> None:
    definition = load("foreach_nested")
    definition["tasks"]["rows"]["loop_body"][0]["function"] = 5

    for response in _post_everywhere(tenant, definition):
        assert response.status_code == 400
        assert "function" in response.json()["message"]


def test_a_nul_character_anywhere_in_a_definition_is_400(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    definition["tasks"]["greet"]["args"] = ["printf a\x00b"]

    for response in _post_everywhere(tenant, definition):
        assert response.status_code == 400
