"""Per-API-key rate limits: a token bucket per key; over the limit, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.integration.conftest import Service, Tenant


def test_key_over_its_limit_gets_429_with_retry_after(
    tenant: Tenant, start_api: Callable[..., tuple[str, Service]]
) -> None:
    url, _service = start_api(HWE_API_RATE_LIMIT_PER_SECOND="0.2", HWE_API_RATE_LIMIT_BURST="3")
    headers = {"Authorization": f"Bearer {tenant.key}"}
    statuses = [httpx.get(f"{url}/api/v1/workflows", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = httpx.get(f"{url}/api/v1/workflows", headers=headers)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 5


def test_one_keys_limit_does_not_slow_another_key(
    tenant: Tenant, start_api: Callable[..., tuple[str, Service]]
) -> None:
    url, _service = start_api(HWE_API_RATE_LIMIT_PER_SECOND="0.2", HWE_API_RATE_LIMIT_BURST="1")
    busy = {"Authorization": f"Bearer {tenant.key}"}
    other = {"Authorization": f"Bearer {tenant.new_key('viewer')}"}  # type: ignore[misc]
    assert httpx.get(f"{url}/api/v1/workflows", headers=busy).status_code == 200
    assert httpx.get(f"{url}/api/v1/workflows", headers=busy).status_code == 429
    assert httpx.get(f"{url}/api/v1/workflows", headers=other).status_code == 200


def test_requests_without_a_valid_key_are_not_rate_limited_but_refused(
    start_api: Callable[..., tuple[str, Service]],
) -> None:
    url, _service = start_api(HWE_API_RATE_LIMIT_PER_SECOND="0.2", HWE_API_RATE_LIMIT_BURST="1")
    statuses = {httpx.get(f"{url}/api/v1/workflows").status_code for _ in range(3)}
    assert statuses == {401}
