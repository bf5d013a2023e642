"""Scheduler processes started by a test, and helpers to read what they fired."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hwe import db, tools
from tests.integration.conftest import ServicePool

# Fast ticks keep the tests short; replicas then race for every due schedule.
TEST_TICK_SECONDS = "0.1"


@pytest.fixture(autouse=True)
def builtin_tools() -> None:
    """Creating a schedule validates its definition, which needs the tool registry."""
    tools.load_builtin_tools()


class SchedulerPool(ServicePool):
    """Starts scheduler processes ticking every TEST_TICK_SECONDS."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        super().__init__(
            "services.scheduler",
            "HWE_SCHEDULER_HEALTH_FILE",
            {**env, "HWE_SCHEDULER_TICK_SECONDS": TEST_TICK_SECONDS},
            directory,
        )


@pytest.fixture
def schedulers(service_env: dict[str, str], tmp_path: Path, database_url: str) -> Iterator[SchedulerPool]:
    """Scheduler processes started by the test, stopped after it.

    Every xdist worker shares one database, so the test's schedules are paused afterwards: a later
    test's scheduler must not keep firing them.
    """
    pool = SchedulerPool(service_env, tmp_path)
    yield pool
    pool.stop_all()
    with db.connect(database_url) as conn:
        conn.execute("UPDATE hwe.schedule SET is_paused = true WHERE NOT is_paused")


def engine_now(conn: db.Connection) -> datetime:
    """The engine clock, which the scheduler also reads."""
    row = conn.execute("SELECT hwe.current_time() AS now").fetchone()
    assert row is not None
    now: datetime = row["now"]
    return now


def fires(conn: db.Connection, schedule_id: uuid.UUID) -> list[dict[str, Any]]:
    """The schedule's fire records, in fire-time order."""
    return conn.execute(
        "SELECT fire_time, state, workflow_run_id FROM hwe.schedule_fire WHERE schedule_id = %s ORDER BY fire_time",
        (schedule_id,),
    ).fetchall()


def scheduled_runs(conn: db.Connection, schedule_id: uuid.UUID) -> list[dict[str, Any]]:
    """The workflow runs submitted for the schedule, found by their idempotency key."""
    return conn.execute(
        "SELECT workflow_run_id, idempotency_key, state FROM hwe.workflow_run WHERE idempotency_key LIKE %s",
        (f"schedule:{schedule_id}:%",),
    ).fetchall()
