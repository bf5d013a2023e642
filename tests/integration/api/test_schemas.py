"""Input schemas of stored definitions through the SDK: listed, counted, read, inputs validated, versions deprecated."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant

Client = Callable[[str], highway_sdk.ApiClient]


def _definition(name: str, text: str = "hello") -> dict[str, Any]:
    task = {
        "task_id": "say",
        "operator_type": "task",
        "function": "tools.shell.run",
        "args": [f"printf '{text} {{{{inputs.who}}}} {{{{inputs.times}}}}'"],
    }
    return {"name": name, "version": "1.0.0", "variables": {"times": 1}, "tasks": {"say": task}}


def _store(tenant: Tenant, definition: dict[str, Any]) -> None:
    response = tenant.client.post("/api/v1/workflows/definitions", json={"workflow_definition": definition})
    assert response.status_code in (200, 201), response.text


def _status(api: Any, operation: str, *path_args: str, **options: Any) -> int:
    with pytest.raises(ApiException) as raised:
        sdk_call(api, operation, *path_args, **options)
    return int(raised.value.status)


def test_a_schema_is_read_from_the_definition_variables_and_input_references(
    tenant: Tenant, sdk_client: Client
) -> None:
    _store(tenant, _definition("greeter"))

    data = sdk_call(highway_sdk.SchemasApi(sdk_client("viewer")), "get_api_v1_schemasworkflow_name", "greeter")["data"]

    assert (data["workflow_name"], data["version"]) == ("greeter", 1)
    assert data["input_schema"]["required"] == ["who"]
    assert data["input_schema"]["properties"]["times"] == {"default": 1, "type": "number"}


def test_the_list_has_the_latest_version_of_each_name_and_the_stats_count_them(
    tenant: Tenant, sdk_client: Client
) -> None:
    _store(tenant, _definition("a"))
    _store(tenant, _definition("a", "again"))
    _store(tenant, _definition("b"))
    api = highway_sdk.SchemasApi(sdk_client("viewer"))

    listed = sdk_call(api, "get_api_v1_schemas")["data"]["items"]
    versions = sdk_call(api, "get_api_v1_schemas", query={"workflow_name": "a"})["data"]["items"]
    stats = sdk_call(api, "get_api_v1_schemas_stats")["data"]

    assert [(i["workflow_name"], i["version"], i["versions"]) for i in listed] == [("a", 2, 2), ("b", 1, 1)]
    assert [i["version"] for i in versions] == [2, 1]
    assert (stats["workflows"], stats["versions"], stats["deprecated_versions"]) == (2, 3, 0)


def test_inputs_are_validated_against_the_stored_schema(tenant: Tenant, sdk_client: Client) -> None:
    _store(tenant, _definition("greeter"))
    api = highway_sdk.SchemasApi(sdk_client("viewer"))

    good = sdk_call(api, "post_api_v1_schemasworkflow_name_validate", "greeter", body={"input_data": {"who": "x"}})
    bad = sdk_call(
        api, "post_api_v1_schemasworkflow_name_validate", "greeter", body={"input_data": {"times": "x"}, "version": "1"}
    )

    assert (good["data"]["valid"], good["data"]["errors"]) == (True, [])
    assert bad["data"]["valid"] is False
    assert sorted(e["field"] for e in bad["data"]["errors"]) == ["times", "who"]


def test_a_deprecated_version_is_no_longer_the_latest_but_still_readable(tenant: Tenant, sdk_client: Client) -> None:
    _store(tenant, _definition("greeter"))
    _store(tenant, _definition("greeter", "second"))
    api = highway_sdk.SchemasApi(sdk_client("operator"))
    key = {"X-Idempotency-Key": uuid.uuid4().hex}

    first = sdk_call(api, "delete_api_v1_schemasworkflow_name_versionsversion", "greeter", "2", headers=key)
    again = sdk_call(api, "delete_api_v1_schemasworkflow_name_versionsversion", "greeter", "2", headers=key)
    latest = sdk_call(api, "get_api_v1_schemasworkflow_name", "greeter")["data"]
    pinned = tenant.client.get("/api/v1/workflows/greeter/versions/2").json()["data"]

    assert first == again and first["data"]["deprecated"] is True
    assert latest["version"] == 1
    assert pinned["deprecated"] is True
    assert sdk_call(api, "get_api_v1_schemas_stats")["data"]["deprecated_versions"] == 1


def test_another_tenants_schemas_are_neither_listed_nor_found(make_tenant: Any) -> None:
    owner, other = make_tenant(), make_tenant()
    _store(owner, _definition("greeter"))

    assert other.client.get("/api/v1/schemas").json()["data"]["items"] == []
    assert other.client.get("/api/v1/schemas/stats").json()["data"]["versions"] == 0
    assert other.client.get("/api/v1/schemas/greeter").status_code == 404
    assert other.client.post("/api/v1/schemas/greeter/validate", json={"input_data": {}}).status_code == 404
    assert other.client.delete("/api/v1/schemas/greeter/versions/1").status_code == 404


def test_bad_requests_are_400_and_unknown_versions_404(tenant: Tenant, sdk_client: Client) -> None:
    _store(tenant, _definition("greeter"))
    api = highway_sdk.SchemasApi(sdk_client("operator"))

    bodies: list[dict[str, Any]] = [
        {},
        {"input_data": []},
        {"input_data": {}, "version": 0},
        {"input_data": {}, "x": 1},
    ]
    for body in bodies:
        assert _status(api, "post_api_v1_schemasworkflow_name_validate", "greeter", body=body) == 400
    for query in ({"version": "x"}, {"version": 0}, {"bogus": 1}):
        assert _status(api, "get_api_v1_schemasworkflow_name", "greeter", query=query) == 400
    assert _status(api, "get_api_v1_schemas", query={"limit": 0}) == 400
    assert _status(api, "get_api_v1_schemasworkflow_name", "greeter", query={"version": 9}) == 404
    assert _status(api, "delete_api_v1_schemasworkflow_name_versionsversion", "greeter", "x") == 404


def test_a_viewer_may_read_and_validate_but_not_deprecate(tenant: Tenant, sdk_client: Client) -> None:
    _store(tenant, _definition("greeter"))
    api = highway_sdk.SchemasApi(sdk_client("viewer"))

    assert _status(api, "delete_api_v1_schemasworkflow_name_versionsversion", "greeter", "1") == 403
