"""Extra API processes with settings of their own (rate limits, a broken database), and clients of the
published generated SDK (highway-sdk 1.0.1) for the tests that call our API through its own methods."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import highway_sdk
import pytest

from tests.integration.conftest import Service, Tenant, free_port, start_api_process


@pytest.fixture
def start_api(service_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., tuple[str, Service]]]:
    """Starts an API process with extra environment; returns its URL once it answers /healthz."""
    started: list[Service] = []

    def start(**env: str) -> tuple[str, Service]:
        port = free_port()
        service, url = start_api_process({**service_env, **env}, tmp_path / f"api-{port}.log", port, probe="/healthz")
        started.append(service)
        return url, service

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def sdk_client(tenant: Tenant) -> Iterator[Callable[[str], highway_sdk.ApiClient]]:
    """Returns a highway-sdk 1.0.1 `ApiClient` with a new key of the given role for the test's tenant.

    Pass it to the SDK's API classes (`highway_sdk.WorkersApi(client)`); an answer outside 2xx raises
    `highway_sdk.exceptions.ApiException` with its status.
    """
    clients: list[highway_sdk.ApiClient] = []

    def client(role: str = "admin") -> highway_sdk.ApiClient:
        assert tenant.new_key is not None
        configuration = highway_sdk.Configuration(host=tenant.api_url, access_token=tenant.new_key(role))
        made = highway_sdk.ApiClient(configuration)
        clients.append(made)
        return made

    yield client
    for made in clients:
        made.rest_client.pool_manager.clear()  # the SDK's ApiClient has no close() of its own
