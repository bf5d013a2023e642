"""Real services as subprocesses: the API per xdist worker, workers and tenants per test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from hwe import db, tenants

STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], timeout: float, message: str, interval: float = 0.05) -> Any:
    """Polls `condition` until it returns a truthy value; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


@dataclass
class Service:
    """A service subprocess; its output goes to a log file the test can read."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_ready_service(module: str, env: dict[str, str], directory: Path, name: str, health_variable: str) -> Service:
    """Starts a trio service and waits until it touches its health file (its loop runs)."""
    health = directory / f"{name}.health"
    service = start_service(module, {**env, health_variable: str(health)}, directory / f"{name}.log")
    try:
        wait_until(
            lambda: health.exists() or service.process.poll() is not None, STARTUP_TIMEOUT, f"{name} to be ready"
        )
        assert service.process.poll() is None, service.log()
    except BaseException:
        service.stop()  # a service that never got ready must not outlive the test that started it
        raise
    return service


def start_service(module: str, env: dict[str, str], log_path: Path) -> Service:
    with log_path.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log_file, stderr=subprocess.STDOUT)
    return Service(process, log_path)


def start_api_process(
    env: dict[str, str], log_path: Path, port: int | None = None, probe: str = "/readyz"
) -> tuple[Service, str]:
    """Starts an API process (on a free port unless given) and waits until `probe` answers 200."""
    port = port or free_port()
    service = start_service("services.api", {**env, "HWE_API_PORT": str(port)}, log_path)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert service.process.poll() is None, service.log()
        try:
            return httpx.get(f"{url}{probe}", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(ready, STARTUP_TIMEOUT, f"the API at {url} to answer {probe}")
    return service, url


@pytest.fixture(scope="session")
def api_url(service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API service of this xdist worker, ready to answer."""
    service, url = start_api_process(service_env, tmp_path_factory.mktemp("api") / "api.log")
    yield url
    service.stop()


@dataclass
class Tenant:
    """A tenant of its own, with its own queue and an admin key, talking to the real API."""

    tenant_id: str
    queue: str
    key: str
    client: httpx.Client
    api_url: str
    new_key: Callable[[str], str] | None = None
    clients: list[httpx.Client] = field(default_factory=list)

    def client_as(self, role: str) -> httpx.Client:
        """A client with a new key of `role` (admin, operator or viewer) for this tenant."""
        assert self.new_key is not None
        client = httpx.Client(
            base_url=self.api_url, headers={"Authorization": f"Bearer {self.new_key(role)}"}, timeout=10
        )
        self.clients.append(client)
        return client

    def submit(
        self, definition: dict[str, Any], inputs: dict[str, Any] | None = None, idempotency_key: str | None = None
    ) -> httpx.Response:
        headers = {"X-Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.client.post(
            "/api/v1/workflows", json={"workflow_definition": definition, "inputs": inputs or {}}, headers=headers
        )

    def run(self, run_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/workflows/{run_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def wait_for_state(
        self, run_id: str, states: tuple[str, ...] = ("completed", "failed", "cancelled"), timeout: float = 30.0
    ) -> dict[str, Any]:
        return wait_until(
            lambda: (r := self.run(run_id))["state"] in states and r,
            timeout,
            f"run {run_id} to reach {states}",
            interval=0.1,
        )


@pytest.fixture
def make_tenant(api_url: str, database_url: str, secrets_file: Path) -> Iterator[Callable[..., Tenant]]:
    """Creates tenants, each with a queue of its own so its workers serve only its runs.

    `make_tenant("default")` gives the bootstrap tenant (queue `default`) with a new admin key.
    """
    clients: list[httpx.Client] = []
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]

    def make(tenant_id: str | None = None) -> Tenant:
        name = tenant_id or f"t{uuid.uuid4().hex[:12]}"
        queue = "default" if name == tenants.BOOTSTRAP_TENANT else name

        def new_key(role: str) -> str:
            with db.connect(database_url) as conn:
                return tenants.create_api_key(conn, name, role, pepper)

        with db.connect(database_url) as conn:
            tenants.create_tenant(conn, name, queue_name=queue)
        key = new_key("admin")
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        clients.append(client)
        return Tenant(name, queue, key, client, api_url, new_key, clients)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def tenant(make_tenant: Callable[[], Tenant]) -> Tenant:
    """A fresh tenant for this test."""
    return make_tenant()


@pytest.fixture
def bootstrap_admin(make_tenant: Callable[..., Tenant]) -> Tenant:
    """The bootstrap tenant `default` (whose admins may create tenants), with a new admin key."""
    return make_tenant(tenants.BOOTSTRAP_TENANT)


@dataclass
class ServicePool:
    """Processes of one trio service that a test starts, each ready when it returns; all stopped after the test."""

    module: str
    health_variable: str
    env: dict[str, str]
    directory: Path
    started: list[Service] = field(default_factory=list)

    def start(self, **settings: str) -> Service:
        name = f"{self.module.rpartition('.')[2]}-{len(self.started)}"
        env = {**self.env, **settings}
        service = start_ready_service(self.module, env, self.directory, name, self.health_variable)
        self.started.append(service)
        return service

    def stop_all(self) -> None:
        for service in self.started:
            service.stop()


class WorkerPool(ServicePool):
    """Starts worker processes for a queue."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        super().__init__("services.worker", "HWE_WORKER_HEALTH_FILE", env, directory)

    def start(self, queue: str, lease_seconds: float = 30.0, **settings: str) -> Service:  # type: ignore[override]
        return super().start(HWE_WORKER_QUEUE=queue, HWE_WORKER_LEASE_SECONDS=str(lease_seconds), **settings)


@pytest.fixture
def workers(service_env: dict[str, str], tmp_path: Path) -> Iterator[WorkerPool]:
    """Worker processes started by the test, stopped after it."""
    pool = WorkerPool(service_env, tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture
def running_tenant(tenant: Tenant, workers: WorkerPool) -> Tenant:
    """A tenant with one worker serving its queue."""
    workers.start(tenant.queue)
    return tenant


def kill_hard(service: Service) -> None:
    """kill -9: the process gets no chance to clean up."""
    os.kill(service.process.pid, signal.SIGKILL)
    service.process.wait()


@pytest.fixture
def timeout_service(service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A timeout service for this test: expires lapsed leases of every queue within 0.2 s.

    Per test, not per session: a test that counts what its own timeout service did must not share
    the database (one per xdist worker) with another one.
    """
    env = {**service_env, "HWE_TIMEOUT_SCAN_SECONDS": "0.2"}
    directory = tmp_path_factory.mktemp("timeout")
    service = start_ready_service("services.timeout", env, directory, "timeout", "HWE_TIMEOUT_HEALTH_FILE")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def served_worker_env() -> dict[str, str]:
    """Extra `HWE_*` variables for the workers `open_served_tenant` starts; a test module overrides it."""
    return {}


@pytest.fixture(scope="module")
def open_served_tenant(
    api_url: str,
    database_url: str,
    secrets_file: Path,
    service_env: dict[str, str],
    served_worker_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], Tenant]]:
    """Opens tenants (created if new) whose queue is served by one worker, for a whole test module.

    Each test submits runs of its own; sharing the worker spares the suite a process start per test.
    """
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]
    pool = WorkerPool({**service_env, **served_worker_env}, tmp_path_factory.mktemp("module_workers"))
    clients: list[httpx.Client] = []

    def open_tenant(name: str) -> Tenant:
        with db.connect(database_url) as conn:
            tenants.create_tenant(conn, name, queue_name=name)
            key = tenants.create_api_key(conn, name, "admin", pepper)
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        clients.append(client)
        pool.start(name)
        return Tenant(name, name, key, client, api_url)

    try:
        yield open_tenant
    finally:
        pool.stop_all()
        for client in clients:
            client.close()
