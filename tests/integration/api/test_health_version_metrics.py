"""The API's own endpoints: health with the database's status, version, and Prometheus metrics."""

from __future__ import annotations

import importlib.metadata
import re

import httpx

from tests.integration.conftest import Tenant


def test_health_is_200_with_the_database_up(api_url: str) -> None:
    response = httpx.get(f"{api_url}/api/v1/health")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "healthy"
    assert data["checks"]["database"]["status"] == "up"
    assert data["checks"]["database"]["latency_ms"] >= 0
    assert data["version"] == importlib.metadata.version("highway-engine")


def test_version_is_the_installed_package_version(api_url: str) -> None:
    response = httpx.get(f"{api_url}/api/v1/version")
    assert response.status_code == 200
    assert response.json()["data"] == {"version": importlib.metadata.version("highway-engine"), "api_version": "v1"}


def test_probes_still_answer(api_url: str) -> None:
    assert httpx.get(f"{api_url}/healthz").json()["data"] == {"alive": True}
    assert httpx.get(f"{api_url}/readyz").json()["data"] == {"ready": True}


def test_metrics_count_requests_by_route_template_and_status(tenant: Tenant) -> None:
    tenant.client.get("/api/v1/workflows/6f1c6f3a-0000-4000-8000-000000000000")
    text = httpx.get(f"{tenant.api_url}/metrics").text
    line = re.search(
        r'^hwe_api_requests_total\{method="GET",route="/api/v1/workflows/\{workflow_run_id\}",status="404"\} (\S+)$',
        text,
        re.M,
    )
    assert line is not None, text
    assert float(line.group(1)) >= 1
    assert "6f1c6f3a" not in text


def test_metrics_have_a_latency_histogram_and_process_metrics(tenant: Tenant) -> None:
    tenant.client.get("/api/v1/workflows")
    response = httpx.get(f"{tenant.api_url}/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert re.search(
        r'^hwe_api_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="/api/v1/workflows"\} ',
        response.text,
        re.M,
    ), response.text
    assert "process_resident_memory_bytes" in response.text


def test_unknown_routes_are_counted_as_unmatched(api_url: str) -> None:
    httpx.get(f"{api_url}/no/such/route/abc123")
    text = httpx.get(f"{api_url}/metrics").text
    assert 'route="unmatched",status="404"' in text
    assert "abc123" not in text
