"""Two scheduler replicas racing for the same every-second schedule fire each second exactly once."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from hwe import db, schedules
from tests.integration.conftest import Tenant, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, engine_now, fires, scheduled_runs
from tests.workflow_examples import load

SECONDS = 60


@pytest.mark.timeout(180)
def test_every_second_schedule_with_two_replicas_fires_each_second_of_a_minute_exactly_once(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    replicas = [schedulers.start(), schedulers.start()]
    start = engine_now(conn).replace(microsecond=0) + timedelta(seconds=2)
    last = start + timedelta(seconds=SECONDS - 1)
    schedule = schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name="every-second",
        cron="@every 1s",
        definition=load("scheduled_tick"),
        start_date=start,
        max_active_runs=10_000,
    )
    schedule_id = schedule["schedule_id"]

    wait_until(
        lambda: sum(f["fire_time"] <= last for f in fires(conn, schedule_id)) == SECONDS,
        SECONDS + 60,
        "a minute of fires",
        interval=0.5,
    )
    schedules.pause_schedule(conn, tenant.tenant_id, schedule_id)

    recorded = fires(conn, schedule_id)
    fire_times = [f["fire_time"] for f in recorded]
    # Every second from the start, none missing and none twice (fires after the minute included).
    assert fire_times == [start + timedelta(seconds=n) for n in range(len(fire_times))]
    assert len(fire_times) >= SECONDS
    assert {f["state"] for f in recorded} == {"fired"}
    runs = scheduled_runs(conn, schedule_id)
    assert len(runs) == len(recorded)
    assert {r["workflow_run_id"] for r in runs} == {f["workflow_run_id"] for f in recorded}
    assert sorted(r["idempotency_key"] for r in runs) == sorted(
        f"schedule:{schedule_id}:{t.astimezone(UTC).isoformat()}" for t in fire_times
    )
    for replica in replicas:
        assert replica.process.poll() is None, replica.log()
        assert "Traceback" not in replica.log()
