"""Circuit breakers and idempotency keys over the API: per tenant, through the published SDK, with their limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from hwe import circuit, db
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

POLICY = circuit.CircuitPolicy(failure_threshold=2, success_threshold=1, isolation_seconds=600.0)
# A resource key with the characters a path must carry: `/` and `:`.
ODD_KEY = "apps.acme/crm:lookup"


def _fail(database_url: str, tenant_id: str, function_name: str, times: int) -> None:
    with db.connect(database_url) as conn, conn.transaction():
        for _ in range(times):
            circuit.record_circuit_call(conn, tenant_id, function_name, POLICY, failed=True)


def _status(call: Callable[[], Any]) -> int:
    with pytest.raises(ApiException) as raised:
        call()
    status: int = raised.value.status
    return status


def test_breakers_are_listed_read_and_reset_per_tenant_through_the_sdk(
    tenant: Tenant, make_tenant: Callable[[], Tenant], sdk_client: Any, database_url: str
) -> None:
    other = make_tenant()
    _fail(database_url, tenant.tenant_id, "tools.http.request", 2)  # open
    _fail(database_url, tenant.tenant_id, ODD_KEY, 1)  # closed, one failure counted
    _fail(database_url, other.tenant_id, "tools.http.request", 2)
    api = highway_sdk.CircuitBreakersApi(sdk_client("operator"))

    listing = sdk_call(api, "get_api_v1_circuit_breakers")["data"]
    only_open = sdk_call(api, "get_api_v1_circuit_breakers", query={"state": "OPEN"})["data"]
    first_page = sdk_call(api, "get_api_v1_circuit_breakers", query={"limit": 1})["data"]
    second_page = sdk_call(api, "get_api_v1_circuit_breakers", query={"limit": 1, "cursor": first_page["next_cursor"]})
    odd = sdk_call(api, "get_api_v1_circuit_breakersresource_key", ODD_KEY)["data"]

    assert [b["resource_key"] for b in listing["circuit_breakers"]] == [ODD_KEY, "tools.http.request"]
    assert listing["summary"] == {"total": 2, "open": 1, "closed": 1, "half_open": 0}
    opened = listing["circuit_breakers"][1]
    assert opened["state"] == "open" and opened["failure_count"] == 2
    assert 0 < opened["seconds_until_reopen"] <= 600
    assert [b["resource_key"] for b in only_open["circuit_breakers"]] == ["tools.http.request"]
    assert [b["resource_key"] for b in first_page["circuit_breakers"]] == [ODD_KEY]
    assert [b["resource_key"] for b in second_page["data"]["circuit_breakers"]] == ["tools.http.request"]
    assert second_page["data"]["next_cursor"] is None
    assert odd["state"] == "closed" and odd["failure_count"] == 1 and odd["seconds_until_reopen"] is None

    reset = sdk_call(api, "post_api_v1_circuit_breakersresource_key_reset", "tools.http.request")["data"]
    assert reset == {"resource_key": "tools.http.request", "reset": True, "previous_state": "open"}
    assert _status(lambda: sdk_call(api, "get_api_v1_circuit_breakersresource_key", "tools.http.request")) == 404
    assert sdk_call(api, "post_api_v1_circuit_breakers_reset")["data"] == {"reset_count": 1}
    assert sdk_call(api, "get_api_v1_circuit_breakers")["data"]["summary"]["total"] == 0
    # The other tenant's breaker of the same tool is untouched.
    theirs = other.client.get("/api/v1/circuit-breakers/tools.http.request")
    assert theirs.status_code == 200 and theirs.json()["data"]["state"] == "open"


def test_another_tenants_breaker_is_404_and_a_viewer_cannot_reset(
    tenant: Tenant, make_tenant: Callable[[], Tenant], database_url: str
) -> None:
    other = make_tenant()
    _fail(database_url, other.tenant_id, "tools.shell.run", 2)
    viewer = tenant.client_as("viewer")

    assert tenant.client.get("/api/v1/circuit-breakers/tools.shell.run").status_code == 404
    assert tenant.client.post("/api/v1/circuit-breakers/tools.shell.run/reset").status_code == 404
    assert tenant.client.get("/api/v1/circuit-breakers").json()["data"]["circuit_breakers"] == []
    assert viewer.post("/api/v1/circuit-breakers/reset").status_code == 403
    assert viewer.post("/api/v1/circuit-breakers/tools.shell.run/reset").status_code == 403
    assert other.client.get("/api/v1/circuit-breakers/tools.shell.run").json()["data"]["state"] == "open"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/circuit-breakers?limit=0",
        "/api/v1/circuit-breakers?limit=501",
        "/api/v1/circuit-breakers?state=broken",
        "/api/v1/circuit-breakers?color=red",
        f"/api/v1/circuit-breakers?cursor={'k' * 256}",
        "/api/v1/circuit-breakers/tools%00http",
    ],
)
def test_bad_breaker_parameters_are_400(tenant: Tenant, path: str) -> None:
    response = tenant.client.get(path)
    assert response.status_code == 400, response.text
    assert response.json()["message"]


def test_a_resource_key_too_long_to_name_a_breaker_is_404(tenant: Tenant) -> None:
    assert tenant.client.get(f"/api/v1/circuit-breakers/{'k' * 256}").status_code == 404
    assert tenant.client.post(f"/api/v1/circuit-breakers/{'k' * 256}/reset").status_code == 404


def test_a_breaker_reset_replays_its_answer_under_its_idempotency_key(tenant: Tenant, database_url: str) -> None:
    headers = {"X-Idempotency-Key": "reset-all-1"}
    first = tenant.client.post("/api/v1/circuit-breakers/reset", headers=headers)
    _fail(database_url, tenant.tenant_id, "tools.http.request", 2)

    replay = tenant.client.post("/api/v1/circuit-breakers/reset", headers=headers)

    assert first.json()["data"] == replay.json()["data"] == {"reset_count": 0}
    assert tenant.client.get("/api/v1/circuit-breakers/tools.http.request").json()["data"]["state"] == "open"


def test_deleting_a_submission_key_makes_it_create_a_new_run(tenant: Tenant, sdk_client: Any) -> None:
    api = highway_sdk.IdempotencyApi(sdk_client("admin"))
    key = "nightly/2026-12-02:run"
    first = tenant.submit(load("approval_gate"), {"order": "a"}, idempotency_key=key).json()["data"]
    again = tenant.submit(load("approval_gate"), {"order": "a"}, idempotency_key=key).json()["data"]

    deleted = sdk_call(api, "delete_api_v1_idempotencyidempotency_key", key)["data"]
    fresh = tenant.submit(load("approval_gate"), {"order": "b"}, idempotency_key=key)
    unknown = sdk_call(api, "delete_api_v1_idempotencyidempotency_key", "never-used")["data"]

    assert again["workflow_run_id"] == first["workflow_run_id"]
    assert deleted == {"idempotency_key": key, "records_deleted": 1}
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["data"]["workflow_run_id"] != first["workflow_run_id"]
    assert tenant.run(first["workflow_run_id"])["workflow_run_id"] == first["workflow_run_id"]  # the run is kept
    assert unknown == {"idempotency_key": "never-used", "records_deleted": 0}


def test_deleting_a_management_key_lets_the_request_run_again(tenant: Tenant, database_url: str) -> None:
    headers = {"X-Idempotency-Key": "reset-once"}
    assert tenant.client.post("/api/v1/circuit-breakers/reset", headers=headers).json()["data"] == {"reset_count": 0}
    _fail(database_url, tenant.tenant_id, "tools.http.request", 2)

    deleted = tenant.client.delete("/api/v1/idempotency/reset-once").json()["data"]
    again = tenant.client.post("/api/v1/circuit-breakers/reset", headers=headers).json()["data"]

    assert deleted["records_deleted"] == 1
    assert again == {"reset_count": 1}


def test_reset_all_forgets_only_the_tenants_own_keys(
    tenant: Tenant, make_tenant: Callable[[], Tenant], sdk_client: Any
) -> None:
    other = make_tenant()
    mine = tenant.submit(load("approval_gate"), {"order": "a"}, idempotency_key="k1").json()["data"]
    theirs = other.submit(load("approval_gate"), {"order": "a"}, idempotency_key="k1").json()["data"]
    tenant.client.post("/api/v1/circuit-breakers/reset", headers={"X-Idempotency-Key": "k2"})

    reset = sdk_call(highway_sdk.IdempotencyApi(sdk_client("admin")), "post_api_v1_idempotency_reset_all")["data"]
    mine_again = tenant.submit(load("approval_gate"), {"order": "a"}, idempotency_key="k1").json()["data"]
    theirs_again = other.submit(load("approval_gate"), {"order": "a"}, idempotency_key="k1").json()["data"]

    assert reset == {"records_deleted": 2}
    assert mine_again["workflow_run_id"] != mine["workflow_run_id"]
    assert theirs_again["workflow_run_id"] == theirs["workflow_run_id"]


def test_idempotency_routes_need_an_admin_and_a_well_formed_key(tenant: Tenant) -> None:
    operator = tenant.client_as("operator")

    assert operator.delete("/api/v1/idempotency/k1").status_code == 403
    assert operator.post("/api/v1/idempotency/reset-all").status_code == 403
    assert tenant.client_as("viewer").delete("/api/v1/idempotency/k1").status_code == 403
    # Longer than any key can be: it names nothing.
    assert tenant.client.delete(f"/api/v1/idempotency/{'k' * 256}").status_code == 404
    assert tenant.client.delete("/api/v1/idempotency/k%00").status_code == 400


def test_a_reset_all_repeated_under_its_own_key_answers_the_same_and_forgets_nothing_more(tenant: Tenant) -> None:
    headers = {"X-Idempotency-Key": "reset-all-once"}
    first = tenant.client.post("/api/v1/idempotency/reset-all", headers=headers)
    run = tenant.submit(load("approval_gate"), {"order": "a"}, idempotency_key="kept").json()["data"]

    replay = tenant.client.post("/api/v1/idempotency/reset-all", headers=headers)
    still = tenant.submit(load("approval_gate"), {"order": "a"}, idempotency_key="kept").json()["data"]
    fresh = tenant.client.post("/api/v1/idempotency/reset-all", headers={"X-Idempotency-Key": "reset-all-twice"})

    assert first.status_code == replay.status_code == 200, replay.text
    assert replay.json()["data"] == first.json()["data"] == {"records_deleted": 0}
    assert still["workflow_run_id"] == run["workflow_run_id"]
    # The first reset's key is forgotten too now, the new reset's own key kept; and the run's key.
    assert fresh.json()["data"] == {"records_deleted": 2}
