"""What Kubernetes' probes and Prometheus see of each service: /healthz, /readyz and /metrics on one port.

Liveness is the main loop's progress; readiness is the database answering with the schema this code knows,
and not stopping. A service started before its migrations waits, not ready, and does no work.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from hwe import db, migrate
from tests.integration.conftest import (
    Tenant,
    WorkerPool,
    free_port,
    start_api_process,
    start_ready_service,
    start_service,
    wait_until,
)
from tests.workflow_examples import load

TRIO_SERVICES = ("worker", "scheduler", "timeout", "audit")


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


@pytest.mark.parametrize("name", TRIO_SERVICES)
def test_each_trio_service_answers_its_probes_and_serves_its_metrics_on_one_port(
    name: str, service_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**service_env, f"HWE_{name.upper()}_METRICS_PORT": str(port)}
    service = start_ready_service(f"services.{name}", env, tmp_path, name, f"HWE_{name.upper()}_HEALTH_FILE")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _status(f"{base}/readyz") == 200, 15, f"the {name} to be ready")
        alive = httpx.get(f"{base}/healthz", timeout=2)
        scraped = httpx.get(f"{base}/metrics", timeout=2)
    finally:
        service.stop()

    assert alive.status_code == 200 and alive.json()["data"] == {"alive": True}
    assert scraped.status_code == 200
    assert "# TYPE hwe_" in scraped.text
    assert service.process.returncode == 0, service.log()


def test_a_service_started_before_its_migrations_is_not_ready_and_does_no_work_until_they_are_applied(
    service_env: dict[str, str], empty_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    health_file = tmp_path / "timeout.health"
    env = {
        **service_env,
        "HWE_DATABASE_URL": empty_database_url,
        "HWE_TIMEOUT_METRICS_PORT": str(port),
        "HWE_TIMEOUT_HEALTH_FILE": str(health_file),
    }
    service = start_service("services.timeout", env, tmp_path / "timeout.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: "run `hwe migrate`" in service.log(), 15, "the service to say what it waits for")
        assert _status(f"{base}/readyz") == 503
        assert _status(f"{base}/healthz") == 200  # waiting for migrations is not a reason to be restarted
        assert not health_file.exists()  # no sweep ran against a schema it does not know

        with db.connect(empty_database_url) as conn:
            migrate.apply_migrations(conn)
        wait_until(lambda: _status(f"{base}/readyz") == 200, 15, "the service to become ready")
        wait_until(health_file.exists, 10, "the first sweep")
    finally:
        service.stop()
    assert service.process.returncode == 0, service.log()


def test_the_api_is_not_ready_until_the_database_has_its_migrations(
    service_env: dict[str, str], empty_database_url: str, tmp_path: Path
) -> None:
    env = {**service_env, "HWE_DATABASE_URL": empty_database_url}
    api, url = start_api_process(env, tmp_path / "api.log", probe="/healthz")
    try:
        before = httpx.get(f"{url}/readyz", timeout=5)
        with db.connect(empty_database_url) as conn:
            migrate.apply_migrations(conn)
        after = httpx.get(f"{url}/readyz", timeout=5)
    finally:
        api.stop()

    assert before.status_code == 503
    assert before.json()["code"] == "schema_outdated"
    assert "hwe migrate" in before.json()["message"]
    assert after.status_code == 200


def test_a_draining_worker_is_alive_but_not_ready_until_it_has_finished_its_run(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    port = free_port()
    worker = workers.start(tenant.queue, HWE_WORKER_METRICS_PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _status(f"{base}/readyz") == 200, 15, "the worker to be ready")
    definition, inputs = load("side_effects_with_slow_middle"), {"dir": str(tmp_path), "sleep": 3}
    run_id = tenant.submit(definition, inputs=inputs).json()["data"]["workflow_run_id"]
    wait_until(lambda: (tmp_path / "slow.log").exists(), 20, "the slow step to start")

    worker.process.send_signal(signal.SIGTERM)
    wait_until(lambda: "draining" in worker.log(), 10, "the worker to start draining")
    draining = (_status(f"{base}/readyz"), _status(f"{base}/healthz"), tenant.run(run_id)["state"])
    worker.process.wait(timeout=30)

    assert draining == (503, 200, "running")
    assert worker.process.returncode == 0, worker.log()
    assert tenant.run(run_id)["state"] == "completed"
