"""A scheduler that stops (cleanly or killed) and starts again never fires a fire time twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hwe import db, schedules
from tests.integration.conftest import Tenant, kill_hard, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, engine_now, fires, scheduled_runs
from tests.workflow_examples import load


@pytest.mark.parametrize("stop", ["sigterm", "sigkill"])
def test_restarted_scheduler_never_fires_a_fire_time_twice(
    stop: str, tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    start = engine_now(conn).replace(microsecond=0)
    schedule = schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name="restarted",
        cron="@every 1s",
        definition=load("scheduled_tick"),
        start_date=start,
        catchup="all",
        max_active_runs=10_000,
    )
    schedule_id = schedule["schedule_id"]
    first = schedulers.start()
    wait_until(lambda: len(fires(conn, schedule_id)) >= 3, 30, "the first scheduler to fire")
    if stop == "sigterm":
        first.stop()
        assert first.process.returncode == 0, first.log()
        assert "stopped" in first.log()
    else:
        kill_hard(first)
    before = fires(conn, schedule_id)

    schedulers.start()
    wait_until(lambda: len(fires(conn, schedule_id)) >= len(before) + 3, 30, "the second scheduler to fire")
    schedules.pause_schedule(conn, tenant.tenant_id, schedule_id)

    recorded = fires(conn, schedule_id)
    assert recorded[: len(before)] == before
    # Every second since the start exactly once: the downtime was caught up, nothing repeated.
    assert [f["fire_time"] for f in recorded] == [start + timedelta(seconds=n) for n in range(len(recorded))]
    runs = scheduled_runs(conn, schedule_id)
    assert len(runs) == len(recorded)
    assert {r["workflow_run_id"] for r in runs} == {f["workflow_run_id"] for f in recorded}
