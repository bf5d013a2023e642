"""The scrape check: a running `hwe up` (with the operator, against a Kubernetes emulator) exports every metric that a
dashboard panel or an alert names, and the metrics of one finished workflow add up.

The stack runs as `make dev` runs it, with every metrics port set to a free loopback port; workers serve on
consecutive ports. No apiserver runs offline here: the operator watches kmock's emulator
(tests/integration/operator/kube_emulator.py), which is enough for it to start and serve its metrics.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import free_port, wait_until
from tests.integration.operator.conftest import start_emulator, write_kubeconfig
from tests.monitoring import sources
from tests.workflow_examples import load

STACK_TIMEOUT = 120


@dataclass
class Stack:
    """The running stack's scrape endpoints by service name, and the API it answers on."""

    api_url: str
    api_key: str
    endpoints: dict[str, str]
    log: Path

    def scrape(self, service: str) -> str:
        response = httpx.get(self.endpoints[service], timeout=10)
        assert response.status_code == 200, (service, response.status_code)
        return response.text


def _consecutive_free_ports(count: int) -> int:
    """A first port such that it and the next count - 1 ports are free on loopback now."""
    for _ in range(50):
        base = free_port()
        sockets = []
        try:
            for port in range(base, base + count):
                sockets.append(socket.socket())  # appended before bind, so a port that is taken still gets closed
                sockets[-1].bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    pytest.fail(f"found no {count} consecutive free ports")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("scrape")
    emulator, kube_url = start_emulator(directory)
    kubeconfig = directory / "kubeconfig"
    write_kubeconfig(kubeconfig, kube_url)
    api_port, worker_base = free_port(), _consecutive_free_ports(2)
    ports = {name: free_port() for name in ("scheduler", "timeout", "audit", "operator")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_") and k != "KUBECONFIG"}
    env.update(
        {
            "HWE_STATE_DIR": str(directory / "state"),
            "HWE_API_PORT": str(api_port),
            "HWE_WORKERS": "2",
            "HWE_WORKER_METRICS_PORT": str(worker_base),
            "KUBECONFIG": str(kubeconfig),
            **{f"HWE_{name.upper()}_METRICS_PORT": str(port) for name, port in ports.items()},
        }
    )
    log_path = directory / "up.log"
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    endpoints = {
        "api": f"http://127.0.0.1:{api_port}/metrics",
        "worker-1": f"http://127.0.0.1:{worker_base}/metrics",
        "worker-2": f"http://127.0.0.1:{worker_base + 1}/metrics",
        **{name: f"http://127.0.0.1:{port}/metrics" for name, port in ports.items()},
    }
    try:
        ready = ("worker-2 ready", "operator ready", "timeout ready", "audit ready", "scheduler ready")
        wait_until(lambda: all(line in log_path.read_text() for line in ready), STACK_TIMEOUT, "the stack")
        for service, url in endpoints.items():
            wait_until(lambda url=url: _answers(url), 30, f"the metrics of {service}")
        key = (directory / "state" / "dev-api-key").read_text().strip()
        yield Stack(f"http://127.0.0.1:{api_port}", key, endpoints, log_path)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=60)
        finally:
            emulator.stop()


@pytest.fixture(scope="module")
def finished_run(stack: Stack) -> dict[str, object]:
    """One tiny workflow run to completion, so lazily created series exist."""
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=stack.api_url, headers=headers, timeout=10) as client:
        definition = load("three_shell_steps")
        response = client.post("/api/v1/workflows", json={"workflow_definition": definition, "inputs": {"name": "m"}})
        assert response.status_code == 201, response.text
        run_id = response.json()["data"]["workflow_run_id"]
        run: dict[str, object] = wait_until(
            lambda: (r := client.get(f"/api/v1/workflows/{run_id}").json()["data"])["state"] == "completed" and r,
            60,
            "the run to complete",
        )
    return run


@pytest.fixture(scope="module")
def retried_run(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A run whose task fails twice and succeeds on its third attempt (retry back-offs of 1 s and 2 s)."""
    directory = tmp_path_factory.mktemp("flaky")
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=stack.api_url, headers=headers, timeout=10) as client:
        body = {"workflow_definition": load("flaky_task_with_retries"), "inputs": {"dir": str(directory)}}
        response = client.post("/api/v1/workflows", json=body)
        assert response.status_code == 201, response.text
        run_id = response.json()["data"]["workflow_run_id"]
        wait_until(
            lambda: client.get(f"/api/v1/workflows/{run_id}").json()["data"]["state"] == "completed",
            60,
            "the flaky run to complete",
        )


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def _total(stack: Stack, services: tuple[str, ...], name: str, **labels: str) -> float:
    return sum(
        value
        for service in services
        for found, value in _samples(stack.scrape(service), name)
        if all(found.get(k) == v for k, v in labels.items())
    )


WORKERS = ("worker-1", "worker-2")


@pytest.mark.timeout(STACK_TIMEOUT + 120)
def test_every_metric_a_dashboard_panel_or_an_alert_names_is_exported_by_some_service(
    stack: Stack, finished_run: dict[str, object]
) -> None:
    exported: dict[str, str] = {}
    for service in stack.endpoints:
        exported |= sources.exported_names(stack.scrape(service))
    named: dict[str, set[str]] = {}
    for file, dashboard in sources.dashboards().items():
        for expr in sources.panel_exprs(dashboard) + sources.variable_queries(dashboard):
            for name in sources.metric_names(expr):
                named.setdefault(name, set()).add(file)
    for rule in sources.alerts(sources.rendered_rule_groups()):
        for name in sources.metric_names(rule["expr"]):
            named.setdefault(name, set()).add(rule["alert"])
    assert len(named) > 30  # the extraction found the queries' metrics, not nothing
    missing = {name: sorted(users) for name, users in named.items() if not sources.is_exported(name, exported)}
    assert not missing, f"named but exported by no service: {missing}"


@pytest.mark.timeout(STACK_TIMEOUT + 120)
def test_the_finished_run_is_counted_as_started_finished_and_claimed_with_its_steps_timed(
    stack: Stack, finished_run: dict[str, object]
) -> None:
    assert _total(stack, WORKERS, "hwe_runs_started_total") >= 1
    assert _total(stack, WORKERS, "hwe_runs_finished_total", state="completed") >= 1
    assert _total(stack, WORKERS, "hwe_task_schedule_to_start_seconds_count") >= 1
    assert _total(stack, WORKERS, "hwe_step_duration_seconds_count", tool="tools.shell.run") >= 3
    assert _total(stack, WORKERS, "hwe_worker_claims_per_wakeup_count") >= 1


@pytest.mark.timeout(STACK_TIMEOUT + 120)
def test_the_timeout_service_alone_reports_the_queue_from_the_database(
    stack: Stack, finished_run: dict[str, object]
) -> None:
    timeout = stack.scrape("timeout")
    assert _samples(timeout, "hwe_queue_metrics_up") == [({}, 1.0)]
    completed = [value for labels, value in _samples(timeout, "hwe_queue_tasks") if labels["state"] == "completed"]
    assert completed and sum(completed) >= 1
    assert {labels["queue"] for labels, _ in _samples(timeout, "hwe_queue_oldest_pending_seconds")}
    for service in ("api", *WORKERS, "scheduler", "audit", "operator"):
        assert "hwe_queue_tasks" not in sources.exported_names(stack.scrape(service)), service


@pytest.mark.timeout(STACK_TIMEOUT + 120)
def test_each_worker_reports_its_slots_and_every_pooled_service_its_database_pool(stack: Stack) -> None:
    for worker in WORKERS:
        states = {labels["state"] for labels, _ in _samples(stack.scrape(worker), "hwe_worker_slots")}
        assert states == {"busy", "free"}, worker
    for service in ("api", *WORKERS, "scheduler", "timeout", "audit"):
        maximum = _samples(stack.scrape(service), "hwe_db_pool_max_connections")
        assert maximum and maximum[0][1] > 0, service


@pytest.mark.timeout(STACK_TIMEOUT + 120)
def test_the_api_counts_its_requests_by_route_and_status(stack: Stack, finished_run: dict[str, object]) -> None:
    created = _total(stack, ("api",), "hwe_api_requests_total", route="/api/v1/workflows", status="201")
    assert created >= 1


@pytest.mark.timeout(STACK_TIMEOUT + 120)
def test_each_retry_back_off_is_counted_once_and_replays_count_nothing(stack: Stack, retried_run: None) -> None:
    assert _total(stack, WORKERS, "hwe_task_retries_total", kind="step") == 2
    assert _total(stack, WORKERS, "hwe_task_retries_total", kind="attempt") == 0
