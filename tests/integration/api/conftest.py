"""Extra API processes with settings of their own (rate limits, a broken database), and clients of the
published generated SDK (highway-sdk 1.0.1) for the tests that call our API through its own methods."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


def sdk_call(
    api: Any,
    operation: str,
    *path_args: str,
    body: Any = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """Calls one highway-sdk 1.0.1 operation through the SDK's own request builder and client; returns the
    answer's JSON.

    The generated methods take path parameters only (the document they were generated from declared no query
    parameters or bodies, and no response models for most operations), so this adds the query string and the
    JSON body the operation's docstring describes. A status outside 2xx raises the SDK's `ApiException`.

    Args:
        api: an SDK API object, e.g. `highway_sdk.WorkersApi(client)`.
        operation: the SDK method's name, e.g. `get_api_v1_workers`.
        path_args: its path parameters, in order.
        body: a JSON body to send, or None.
        query: query parameters, or None.
        headers: extra headers (X-Idempotency-Key), or None.
    """
    serialize = getattr(api, f"_{operation}_serialize")
    method, url, header_params, _, post_params = serialize(
        *path_args, _request_auth=None, _content_type=None, _headers=headers, _host_index=0
    )
    if query:
        url = f"{url}?{urllib.parse.urlencode(query, doseq=True)}"
    if body is not None:
        header_params["Content-Type"] = "application/json"
    response = api.api_client.call_api(method, url, header_params, body, post_params)
    response.read()
    answer = api.api_client.response_deserialize(response_data=response, response_types_map={})
    return json.loads(answer.raw_data) if answer.raw_data else None
