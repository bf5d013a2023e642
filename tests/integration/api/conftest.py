"""Extra API processes with settings of their own (rate limits, a broken database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import STARTUP_TIMEOUT, Service, free_port, start_service, wait_until


@pytest.fixture
def start_api(service_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., tuple[str, Service]]]:
    """Starts an API process with extra environment; returns its URL once it answers /healthz."""
    started: list[Service] = []

    def start(**env: str) -> tuple[str, Service]:
        port = free_port()
        service = start_service(
            "services.api", {**service_env, "HWE_API_PORT": str(port), **env}, tmp_path / f"api-{port}.log"
        )
        started.append(service)
        url = f"http://127.0.0.1:{port}"

        def alive() -> bool:
            assert service.process.poll() is None, service.log()
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(alive, STARTUP_TIMEOUT, "the extra API to answer")
        return url, service

    yield start
    for service in started:
        service.stop()
