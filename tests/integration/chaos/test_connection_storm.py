"""Every engine connection ended at once (pg_terminate_backend, a database restart): the services carry on.

Each test runs its services on a database of its own, so the storm reaches no other test.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from hwe import db, runs, tenants, tools
from tests.integration.chaos.conftest import terminate_connections
from tests.integration.conftest import start_api_process, start_ready_service, wait_until

ONE_STEP = {
    "name": "storm_probe",
    "tasks": {"hi": {"task_id": "hi", "operator_type": "task", "function": "tools.shell.run", "args": ["echo hi"]}},
}


def _submit_and_wait(url: str) -> None:
    tools.load_builtin_tools()  # submit_run checks the definition's tools
    principal = tenants.Principal("storm", "operator", "storm")
    with db.connect(url) as conn:
        run = runs.submit_run(
            conn, principal, definition=ONE_STEP, inputs={}, idempotency_key=None, request_hash="", max_attempts=3
        )
    with db.connect(url) as conn:
        wait_until(
            lambda: runs.get_run(conn, "storm", run.workflow_run_id)["state"] == "completed", 30, "the run to complete"
        )


def test_a_worker_keeps_claiming_after_every_database_connection_is_terminated(
    own_database_url: str, service_env: dict[str, str], tmp_path: Path
) -> None:
    with db.connect(own_database_url) as conn:
        tenants.create_tenant(conn, "storm", queue_name="storm")
    env = {**service_env, "HWE_DATABASE_URL": own_database_url, "HWE_WORKER_QUEUE": "storm"}
    worker = start_ready_service("services.worker", env, tmp_path, "worker", "HWE_WORKER_HEALTH_FILE")
    try:
        _submit_and_wait(own_database_url)

        assert terminate_connections(own_database_url) > 0
        wait_until(lambda: "listening again" in worker.log(), 20, "the worker to listen again")
        _submit_and_wait(own_database_url)

        assert worker.process.poll() is None, worker.log()
    finally:
        worker.stop()


def test_the_scheduler_keeps_ticking_after_every_database_connection_is_terminated(
    own_database_url: str, service_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**service_env, "HWE_DATABASE_URL": own_database_url, "HWE_SCHEDULER_TICK_SECONDS": "0.2"}
    scheduler = start_ready_service("services.scheduler", env, tmp_path, "scheduler", "HWE_SCHEDULER_HEALTH_FILE")
    try:
        assert terminate_connections(own_database_url) > 0
        wait_until(lambda: "tick failed with" in scheduler.log(), 20, "a tick on a terminated connection")
        health = tmp_path / "scheduler.health"
        touched = health.stat().st_mtime
        wait_until(lambda: health.stat().st_mtime > touched, 10, "the scheduler to tick again")

        assert scheduler.process.poll() is None, scheduler.log()
    finally:
        scheduler.stop()


def test_a_request_on_a_terminated_database_connection_is_a_503_to_retry_not_a_500(
    own_database_url: str, service_env: dict[str, str], secrets_file: Path, tmp_path: Path
) -> None:
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]
    with db.connect(own_database_url) as conn:
        tenants.create_tenant(conn, "storm", queue_name="storm")
        key = tenants.create_api_key(conn, "storm", "viewer", pepper)
    api, url = start_api_process({**service_env, "HWE_DATABASE_URL": own_database_url}, tmp_path / "api.log")
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            assert client.get("/api/v1/workflows").status_code == 200
            terminate_connections(own_database_url)

            refused = client.get("/api/v1/workflows")
            again = wait_until(
                lambda: (r := client.get("/api/v1/workflows")).status_code == 200 and r, 10, "the API to recover"
            )

        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "database_unavailable"
        assert refused.headers["retry-after"] == "1"
        assert again.json()["status"] == "success"
    finally:
        api.stop()
