"""Retrying a failed run from its failed step, and cleaning up finished queue rows."""

from __future__ import annotations

from pathlib import Path

from hwe import db, queue
from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def test_retry_of_a_failed_run_is_a_new_run_that_resumes_at_the_failed_step(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    workers.start(tenant.queue)
    failed_id = tenant.submit(load("fails_until_fixed"), {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]
    assert tenant.wait_for_state(failed_id)["state"] == "failed"
    (tmp_path / "fixed").touch()

    response = tenant.client.post(f"/api/v1/workflows/{failed_id}/retry")
    assert response.status_code == 201, response.text
    new_id = response.json()["data"]["new_workflow_run_id"]
    run = tenant.wait_for_state(new_id)

    assert new_id != failed_id
    assert run["state"] == "completed", run
    assert run["context"]["checked"]["stdout"] == "fixed\n"
    assert run["context"]["prepared"]["returncode"] == 0
    assert (tmp_path / "prepare.log").read_text().splitlines() == ["ran"]  # not run again
    assert tenant.run(failed_id)["state"] == "failed"


def test_retry_of_a_run_that_did_not_fail_is_409(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id)
    response = tenant.client.post(f"/api/v1/workflows/{run_id}/retry")
    assert response.status_code == 409
    assert response.json()["code"] == "not_retryable"


def test_cleanup_removes_old_finished_queue_rows_but_keeps_the_run_record(
    tenant: Tenant, workers: WorkerPool, conn: db.Connection
) -> None:
    workers.start(tenant.queue)
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id)

    with conn.transaction():
        assert queue.cleanup_tasks(conn, tenant.queue, ttl_seconds=3600, limit=100) == 0  # not old yet
    conn.execute("SELECT set_config('hwe.fake_now', (clock_timestamp() + interval '2 hours')::text, false)")
    with conn.transaction():
        assert queue.cleanup_tasks(conn, tenant.queue, ttl_seconds=3600, limit=100) == 1

    leftover = conn.execute(f"SELECT count(*) AS n FROM hwe.c_{tenant.queue}").fetchone()
    assert leftover is not None and leftover["n"] == 0
    assert tenant.run(run_id)["state"] == "completed"
    assert tenant.run(run_id)["context"]["shouted"]["stdout"] == "HELLO X"
