"""Health, health metrics, version and ping through the published SDK: its typed health model parses our answer."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def test_the_sdks_typed_health_model_parses_our_health(tenant: Tenant, sdk_client: Any) -> None:
    health = highway_sdk.SystemApi(sdk_client("viewer")).get_api_v1_health()

    assert isinstance(health, highway_sdk.SuccessResponseHealthCheckResponseE7ebca9)
    assert health.status == "success"
    assert health.data.status == "healthy"
    assert health.data.checks["database"]["status"] == "up"
    assert health.data.checks["database"]["latency_ms"] >= 0
    assert health.data.checks["schema"] == {"status": "current", "missing_migrations": 0}


def test_health_needs_no_key_and_version_and_ping_answer_through_the_sdk(
    api_url: str, tenant: Tenant, sdk_client: Any
) -> None:
    client = sdk_client("viewer")

    version = sdk_call(highway_sdk.SystemApi(client), "get_api_v1_version")["data"]
    pong = sdk_call(highway_sdk.DefaultApi(client), "get_ping")

    assert httpx.get(f"{api_url}/api/v1/health").json()["data"]["status"] == "healthy"
    assert version == {"version": importlib.metadata.version("highway-engine"), "api_version": "v1"}
    assert pong == {"status": "success", "data": {"pong": True}}
    assert httpx.get(f"{api_url}/ping").status_code == 200


def test_health_metrics_count_only_the_tenants_own_work(
    tenant: Tenant, make_tenant: Callable[[], Tenant], sdk_client: Any
) -> None:
    other = make_tenant()
    run_id = tenant.submit(load("approval_gate"), {"order": "m"}).json()["data"]["workflow_run_id"]
    other.submit(load("approval_gate"), {"order": "m"})
    other.submit(load("approval_gate"), {"order": "n"})
    api = highway_sdk.SystemApi(sdk_client("viewer"))

    metrics = sdk_call(api, "get_api_v1_health_metrics", query={"interval": "1 hour"})["data"]

    assert run_id
    assert metrics["interval_seconds"] == 3600
    categories = metrics["categories"]
    assert categories["workflows"]["by_state"] == {"pending": 1}
    assert categories["tasks"]["by_state"] == {"pending": 1}
    assert categories["queues"]["queue_name"] == tenant.queue
    assert categories["queues"]["ready"] == 1
    # Work is ready and no worker holds a lease: the workers category warns, and the worst severity says so.
    assert categories["workers"] == {"severity": "warning", "active_workers": 0}
    assert categories["critical"] == {"severity": "ok", "expired_leases": 0}
    assert metrics["severity"] == "warning"
    default = sdk_call(api, "get_api_v1_health_metrics")["data"]
    assert default["interval_seconds"] == 900


@pytest.mark.parametrize(
    "query", ["interval=15", "interval=0%20minutes", "interval=8%20days", "interval=1%20fortnight", "tenant=x"]
)
def test_bad_health_metrics_parameters_are_400(tenant: Tenant, query: str) -> None:
    response = tenant.client.get(f"/api/v1/health/metrics?{query}")
    assert response.status_code == 400, response.text


def test_health_metrics_need_a_key(api_url: str, tenant: Tenant, sdk_client: Any) -> None:
    assert httpx.get(f"{api_url}/api/v1/health/metrics").status_code == 401
    unauthenticated = highway_sdk.SystemApi(highway_sdk.ApiClient(highway_sdk.Configuration(host=api_url)))
    with pytest.raises(ApiException) as raised:
        sdk_call(unauthenticated, "get_api_v1_health_metrics")
    assert raised.value.status == 401
