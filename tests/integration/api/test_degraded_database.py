"""When the database is down or broken: health says 503, and a 500 names its request id, nothing more."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.integration.conftest import Service, free_port


def test_health_is_503_when_the_database_is_unreachable(start_api: Callable[..., tuple[str, Service]]) -> None:
    url, _service = start_api(HWE_DATABASE_URL=f"postgresql://hwe@127.0.0.1:{free_port()}/nowhere?connect_timeout=1")
    response = httpx.get(f"{url}/api/v1/health", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["code"] == "database_unavailable"
    assert body["details"]["status"] == "unhealthy"
    assert body["details"]["checks"] == {"database": {"status": "down"}}
    assert httpx.get(f"{url}/readyz", timeout=10).status_code == 503


def test_internal_error_answers_a_request_id_that_the_log_names_and_no_internals(
    start_api: Callable[..., tuple[str, Service]], empty_database_url: str
) -> None:
    url, service = start_api(HWE_DATABASE_URL=empty_database_url)
    response = httpx.get(f"{url}/api/v1/workflows", headers={"Authorization": "Bearer hw_abcdef012345_secret"})
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "status": "error",
        "code": "internal_error",
        "message": "internal error",
        "details": None,
        "request_id": body["request_id"],
    }
    assert response.headers["x-request-id"] == body["request_id"]
    assert f"request {body['request_id']} failed with UndefinedTable" in service.log()
    assert "Traceback" not in response.text
