"""A schedule whose definition no longer runs is logged and does not hold back the other schedules."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from hwe import db, schedules
from tests.integration.conftest import Tenant, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, fires
from tests.workflow_examples import load


def test_schedule_that_cannot_fire_is_logged_and_the_others_still_fire(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    broken = schedules.create_schedule(
        conn, tenant.tenant_id, name="broken", cron="@every 1s", definition=load("scheduled_tick")
    )
    # As if the engine stopped supporting something the definition uses after it was scheduled.
    conn.execute(
        "UPDATE hwe.schedule SET definition = %s WHERE schedule_id = %s",
        (
            Jsonb({"name": "broken", "tasks": {"x": {"task_id": "x", "function": "no.such.tool"}}}),
            broken["schedule_id"],
        ),
    )
    healthy = schedules.create_schedule(
        conn, tenant.tenant_id, name="healthy", cron="@every 1s", definition=load("scheduled_tick"), max_active_runs=100
    )
    scheduler = schedulers.start()

    wait_until(lambda: len(fires(conn, healthy["schedule_id"])) >= 3, 30, "the healthy schedule to fire")

    assert fires(conn, broken["schedule_id"]) == []
    assert f"schedule {broken['schedule_id']} could not fire: InvalidWorkflow" in scheduler.log()
    assert scheduler.process.poll() is None
