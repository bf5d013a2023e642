"""Creating, reading, changing and deleting a tenant's schedules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from hwe import db, errors, schedules
from tests.integration.conftest import Tenant
from tests.integration.scheduler.conftest import engine_now
from tests.workflow_examples import load


def _create(conn: db.Connection, tenant: Tenant, name: str = "nightly", cron: str = "30 2 * * *") -> db.Row:
    return schedules.create_schedule(conn, tenant.tenant_id, name=name, cron=cron, definition=load("scheduled_tick"))


def test_a_tenant_cannot_have_two_schedules_of_the_same_name(tenant: Tenant, conn: db.Connection) -> None:
    _create(conn, tenant)

    with pytest.raises(errors.ScheduleExists):
        _create(conn, tenant, cron="0 * * * *")


def test_another_tenant_can_neither_read_nor_change_nor_delete_a_schedule(
    make_tenant: Callable[[], Tenant], conn: db.Connection
) -> None:
    owner, stranger = make_tenant(), make_tenant()
    schedule_id = _create(conn, owner)["schedule_id"]

    with pytest.raises(errors.ScheduleNotFound):
        schedules.get_schedule(conn, stranger.tenant_id, schedule_id)
    with pytest.raises(errors.ScheduleNotFound):
        schedules.pause_schedule(conn, stranger.tenant_id, schedule_id)
    with pytest.raises(errors.ScheduleNotFound):
        schedules.delete_schedule(conn, stranger.tenant_id, schedule_id)
    assert schedules.list_schedules(conn, stranger.tenant_id) == []
    assert [s["schedule_id"] for s in schedules.list_schedules(conn, owner.tenant_id)] == [schedule_id]


def test_changing_the_cron_and_time_zone_moves_the_next_fire_time(tenant: Tenant, conn: db.Connection) -> None:
    schedule_id = _create(conn, tenant)["schedule_id"]

    changed = schedules.update_schedule(
        conn, tenant.tenant_id, schedule_id, cron="0 9 1 1 *", timezone="Asia/Tokyo", max_active_runs=4
    )

    # 09:00 in Tokyo on 1 January is midnight UTC; the next one is at the start of next year (UTC).
    assert changed["next_fire_at"] == datetime(engine_now(conn).astimezone(UTC).year + 1, 1, 1, tzinfo=UTC)
    assert changed["max_active_runs"] == 4


def test_deleted_schedule_is_gone(tenant: Tenant, conn: db.Connection) -> None:
    schedule_id = _create(conn, tenant)["schedule_id"]

    schedules.delete_schedule(conn, tenant.tenant_id, schedule_id)

    with pytest.raises(errors.ScheduleNotFound):
        schedules.get_schedule(conn, tenant.tenant_id, schedule_id)


@pytest.mark.parametrize(
    "fields",
    [
        {"cron": "every day"},
        {"timezone": "Nowhere/City"},
        {"catchup": "some"},
        {"max_active_runs": 0},
        {"inputs": ["not", "an", "object"]},
        {"start_date": datetime(2030, 1, 1)},
    ],
)
def test_unusable_schedule_fields_are_refused(tenant: Tenant, conn: db.Connection, fields: dict[str, object]) -> None:
    arguments: dict[str, object] = {"name": "bad", "cron": "* * * * *", "definition": load("scheduled_tick"), **fields}

    with pytest.raises(errors.InvalidSchedule):
        schedules.create_schedule(conn, tenant.tenant_id, **arguments)  # type: ignore[arg-type]


def test_schedule_of_a_workflow_that_cannot_run_is_refused(tenant: Tenant, conn: db.Connection) -> None:
    definition = {
        **load("scheduled_tick"),
        "tasks": {"x": {"task_id": "x", "operator_type": "task", "function": "no.such.tool"}},
    }

    with pytest.raises(errors.InvalidWorkflow):
        schedules.create_schedule(conn, tenant.tenant_id, name="broken", cron="* * * * *", definition=definition)
