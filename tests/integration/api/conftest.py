"""Extra API processes with settings of their own (rate limits, a broken database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Service, free_port, start_api_process


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
