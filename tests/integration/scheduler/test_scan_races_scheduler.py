"""POST /api/v1/schedules/scan racing two scheduler replicas: every fire time still creates exactly one run."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from hwe import db, schedules
from tests.integration.conftest import Tenant, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, engine_now, fires, scheduled_runs
from tests.workflow_examples import load

SECONDS = 20


@pytest.mark.timeout(180)
def test_scans_racing_the_scheduler_fire_each_second_exactly_once(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    replicas = [schedulers.start(), schedulers.start()]
    start = engine_now(conn).replace(microsecond=0) + timedelta(seconds=2)
    last = start + timedelta(seconds=SECONDS - 1)
    schedule = schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name="every-second-scanned",
        cron="@every 1s",
        definition=load("scheduled_tick"),
        start_date=start,
        max_active_runs=10_000,
    )
    schedule_id = schedule["schedule_id"]
    scanned: list[dict[str, Any]] = []
    done = threading.Event()

    def scan() -> None:
        client = tenant.client_as("operator")
        while not done.is_set():
            response = client.post("/api/v1/schedules/scan")
            if response.status_code == 200:
                scanned.extend(response.json()["data"]["fired"])
            done.wait(0.05)

    scanners = [threading.Thread(target=scan) for _ in range(2)]
    for scanner in scanners:
        scanner.start()
    try:
        wait_until(
            lambda: sum(f["fire_time"] <= last for f in fires(conn, schedule_id)) >= SECONDS,
            SECONDS + 60,
            "the fires of the window",
            interval=0.5,
        )
    finally:
        done.set()
        for scanner in scanners:
            scanner.join()
    schedules.pause_schedule(conn, tenant.tenant_id, schedule_id)

    recorded = fires(conn, schedule_id)
    fire_times = [f["fire_time"] for f in recorded]
    assert fire_times == [start + timedelta(seconds=n) for n in range(len(fire_times))]
    runs = scheduled_runs(conn, schedule_id)
    assert len(runs) == len(recorded)
    assert {r["workflow_run_id"] for r in runs} == {f["workflow_run_id"] for f in recorded}
    # What the scans answered they fired, they fired once each, and it is what was recorded.
    scanned_runs = [fire["workflow_run_id"] for fire in scanned]
    assert len(scanned_runs) == len(set(scanned_runs))
    by_run = {str(f["workflow_run_id"]): f["fire_time"].isoformat() for f in recorded}
    assert all(by_run[fire["workflow_run_id"]] == fire["fire_time"] for fire in scanned)
    for replica in replicas:
        assert replica.process.poll() is None, replica.log()
        assert "Traceback" not in replica.log()
