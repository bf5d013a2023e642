"""Schedules created from a workflow definition's own scheduling fields; paused ones never fire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hwe import db, schedules
from tests.integration.conftest import Tenant, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, engine_now, fires, scheduled_runs
from tests.workflow_examples import load


def test_schedule_from_a_dsl_definition_takes_its_schedule_start_date_catchup_pause_and_limit(
    tenant: Tenant, conn: db.Connection
) -> None:
    row = schedules.create_schedule_from_definition(conn, tenant.tenant_id, load("nightly_report_schedule"))

    assert row["name"] == "nightly_report"
    assert row["cron"] == "30 2 * * *"
    assert row["timezone"] == "UTC"
    assert row["start_date"] == datetime(2030, 1, 1, tzinfo=UTC)
    assert row["catchup"] == "all"
    assert row["is_paused"] is True
    assert row["max_active_runs"] == 3
    assert row["next_fire_at"] == datetime(2030, 1, 1, 2, 30, tzinfo=UTC)
    assert row["definition"] == load("nightly_report_schedule")


def test_naive_dsl_start_date_is_read_in_the_schedules_time_zone(tenant: Tenant, conn: db.Connection) -> None:
    row = schedules.create_schedule_from_definition(
        conn, tenant.tenant_id, load("nightly_report_schedule"), timezone="Europe/Berlin"
    )

    assert row["start_date"] == datetime(2029, 12, 31, 23, 0, tzinfo=UTC)
    assert row["next_fire_at"] == datetime(2030, 1, 1, 1, 30, tzinfo=UTC)


def test_driver_sdk_every_n_seconds_schedule_fires_first_at_creation(tenant: Tenant, conn: db.Connection) -> None:
    definition = {**load("scheduled_tick"), "schedule": "@every 5s"}

    row = schedules.create_schedule_from_definition(conn, tenant.tenant_id, definition)

    assert row["cron"] == "@every 5s"
    assert row["catchup"] == "latest"  # the DSL's catchup=false
    assert row["is_paused"] is False
    assert row["max_active_runs"] == 1
    assert row["next_fire_at"] == row["created_at"]


def test_paused_schedule_never_fires_while_an_unpaused_one_does(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    a_minute_ago = (engine_now(conn) - timedelta(minutes=1)).isoformat()
    paused = schedules.create_schedule_from_definition(
        conn,
        tenant.tenant_id,
        {**load("nightly_report_schedule"), "schedule": "@every 1s", "start_date": a_minute_ago},
        name="paused",
    )
    running = schedules.create_schedule_from_definition(
        conn,
        tenant.tenant_id,
        {**load("scheduled_tick"), "schedule": "@every 1s", "start_date": a_minute_ago, "max_active_runs": 1000},
        name="running",
    )
    schedulers.start()

    wait_until(lambda: len(fires(conn, running["schedule_id"])) >= 3, 30, "the unpaused schedule to fire")

    assert fires(conn, paused["schedule_id"]) == []
    assert scheduled_runs(conn, paused["schedule_id"]) == []
    assert (
        schedules.get_schedule(conn, tenant.tenant_id, paused["schedule_id"])["next_fire_at"] == paused["next_fire_at"]
    )


def test_resumed_schedule_fires_from_now_on_and_not_the_times_it_missed_while_paused(
    tenant: Tenant, conn: db.Connection, schedulers: SchedulerPool
) -> None:
    a_minute_ago = engine_now(conn) - timedelta(minutes=1)
    schedule = schedules.create_schedule(
        conn,
        tenant.tenant_id,
        name="resumed",
        cron="@every 1s",
        definition=load("scheduled_tick"),
        start_date=a_minute_ago,
        catchup="all",
        max_active_runs=1000,
        is_paused=True,
    )
    schedulers.start()

    resumed = schedules.resume_schedule(conn, tenant.tenant_id, schedule["schedule_id"])
    wait_until(lambda: len(fires(conn, schedule["schedule_id"])) >= 2, 30, "the resumed schedule to fire")

    assert resumed["is_paused"] is False
    assert resumed["next_fire_at"] > engine_now(conn) - timedelta(seconds=30)
    assert all(f["fire_time"] >= resumed["next_fire_at"] for f in fires(conn, schedule["schedule_id"]))
