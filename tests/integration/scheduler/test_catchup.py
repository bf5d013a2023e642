"""What one scheduler start fires for a schedule whose fire times passed while no scheduler ran."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hwe import db, schedules
from tests.integration.conftest import Tenant, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, engine_now, fires, scheduled_runs
from tests.workflow_examples import load

MISSED = 11  # fire times from 10 min 30 s ago up to 30 s ago, one a minute


@pytest.mark.parametrize(
    ("policy", "fired_minutes"),
    [("all", list(range(MISSED))), ("latest", [MISSED - 1]), ("skip", [])],
)
def test_scheduler_start_after_downtime_fires_what_the_catchup_policy_allows(
    policy: str, fired_minutes: list[int], tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    now = engine_now(conn)
    start = now.replace(microsecond=0) - timedelta(minutes=MISSED - 1, seconds=30)
    schedule = schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name=f"catchup-{policy}",
        cron="@every 60s",
        definition=load("scheduled_tick"),
        start_date=start,
        catchup=policy,
        max_active_runs=100,
    )
    assert schedule["next_fire_at"] == start

    # A short grace makes even the newest missed fire time (30 s old) count as missed.
    schedulers.start(HWE_SCHEDULER_MISFIRE_GRACE_SECONDS="5")
    handled = wait_until(
        lambda: (
            (row := schedules.get_schedule(conn, tenant.tenant_id, schedule["schedule_id"]))["next_fire_at"] > now
            and row
        ),
        20,
        "the scheduler to handle the missed fire times",
    )

    recorded = fires(conn, schedule["schedule_id"])
    assert [f["fire_time"] for f in recorded] == [start + timedelta(minutes=m) for m in fired_minutes]
    assert all(f["state"] == "fired" for f in recorded)
    assert len(scheduled_runs(conn, schedule["schedule_id"])) == len(fired_minutes)
    assert handled["next_fire_at"] == start + timedelta(minutes=MISSED)
