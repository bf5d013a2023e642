"""The scheduler's Prometheus metrics: fires counted, fire lag measured."""

from __future__ import annotations

import httpx

from hwe import db, schedules
from tests.integration.conftest import Tenant, free_port, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, fires
from tests.workflow_examples import load


def _metric(text: str, name: str) -> float:
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(f"{name} ")]
    return values[0] if values else 0.0


def test_fired_schedules_are_counted_and_their_lag_observed(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    port = free_port()
    schedulers.start(HWE_SCHEDULER_METRICS_PORT=str(port))
    schedule = schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name="measured",
        cron="@every 1s",
        definition=load("scheduled_tick"),
        max_active_runs=100,
    )
    wait_until(lambda: len(fires(conn, schedule["schedule_id"])) >= 2, 30, "two fires")

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

    assert _metric(text, "hwe_schedules_fired_total") >= 2
    assert _metric(text, "hwe_schedule_fire_lag_seconds_count") >= 2
    assert "hwe_schedule_fires_skipped_total" in text
