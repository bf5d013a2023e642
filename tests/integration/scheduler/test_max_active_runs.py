"""max_active_runs: fires beyond the limit of unfinished runs are recorded as skipped, not submitted."""

from __future__ import annotations

from hwe import db, schedules
from tests.integration.conftest import Tenant, WorkerPool, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, fires, scheduled_runs
from tests.workflow_examples import load


def _create(conn: db.Connection, tenant: Tenant) -> db.Row:
    return schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name="limited",
        cron="@every 1s",
        definition=load("scheduled_tick"),
        max_active_runs=2,
    )


def _states(conn: db.Connection, schedule: db.Row) -> list[str]:
    return [f["state"] for f in fires(conn, schedule["schedule_id"])]


def test_fires_beyond_max_active_runs_are_skipped_while_the_runs_stay_active(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    # No worker serves the tenant's queue: every submitted run stays pending.
    schedule = _create(conn, tenant)
    schedulers.start()

    states = wait_until(
        lambda: (s := _states(conn, schedule)).count("skipped_max_active") >= 3 and s, 30, "three skipped fires"
    )

    assert states[:2] == ["fired", "fired"]
    assert set(states[2:]) == {"skipped_max_active"}
    assert [r["state"] for r in scheduled_runs(conn, schedule["schedule_id"])] == ["pending", "pending"]
    assert all(f["workflow_run_id"] is None for f in fires(conn, schedule["schedule_id"])[2:])


def test_schedule_fires_again_once_its_active_runs_finish_and_never_exceeds_the_limit(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool, workers: WorkerPool
) -> None:
    schedule = _create(conn, tenant)
    schedulers.start()
    wait_until(lambda: "skipped_max_active" in _states(conn, schedule), 30, "a skipped fire")
    most_active = 0

    def fired_after_runs_finished() -> bool:
        nonlocal most_active
        runs = scheduled_runs(conn, schedule["schedule_id"])
        most_active = max(most_active, sum(r["state"] not in ("completed", "failed", "cancelled") for r in runs))
        return sum(r["state"] == "completed" for r in runs) >= 4

    workers.start(tenant.queue)
    wait_until(fired_after_runs_finished, 30, "runs fired after the first ones finished", interval=0.1)

    assert most_active <= 2
    assert _states(conn, schedule).count("fired") >= 4
