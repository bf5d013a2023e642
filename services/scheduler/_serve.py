"""The scheduler loop: every tick, fire the schedules that are due.

Each tick claims due schedules one at a time (`schedules.fire_due_schedule`: one transaction each,
with FOR UPDATE SKIP LOCKED, so replicas share the work and never fire a schedule twice) until none
is due. A schedule that fails to fire is logged and left out until the next tick, so it cannot
block the others. SIGTERM or SIGINT stops the loop between two claims; nothing is held across
claims, so a stop loses nothing. Prometheus metrics are served on `scheduler_metrics_port` when set.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

import psycopg
import trio

from hwe import config, db, errors, lifecycle, metrics, probes, schedules

logger = logging.getLogger(__name__)
# At most this many claims per tick, so the health file is touched even while a backlog drains.
MAX_CLAIMS_PER_TICK = 1000


async def serve_scheduler(settings: config.Settings) -> None:
    """Fires due schedules every tick until a stop signal."""
    if not settings.database_url:
        raise SystemExit("scheduler: no database URL (set HWE_DATABASE_URL or [database] url)")
    scheduler_id = f"{socket.gethostname()}:{os.getpid()}"
    stop = trio.Event()
    health = lifecycle.Health(settings.scheduler_health_file, settings.scheduler_tick_seconds, stop)
    with db.open_pool(settings.database_url, settings.pool_size) as pool:
        database = db.Database(pool, settings.pool_size)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lifecycle.watch_stop_signals, stop)
            await nursery.start(probes.serve_probes, settings.metrics_host, settings.scheduler_metrics_port, health)
            await nursery.start(lifecycle.watch_readiness, database, health, stop)
            logger.info("scheduler %s ready, ticking every %s s", scheduler_id, settings.scheduler_tick_seconds)
            while not stop.is_set():
                health.beat()
                try:
                    await _fire_due(settings, database, stop)
                except psycopg.OperationalError as err:  # a database restart must not end the scheduler: next tick
                    logger.error("tick failed with %s; firing again next tick", type(err).__name__)
                with trio.move_on_after(settings.scheduler_tick_seconds):
                    await stop.wait()
            nursery.cancel_scope.cancel()
    logger.info("scheduler %s stopped", scheduler_id)


async def _fire_due(settings: config.Settings, database: db.Database, stop: trio.Event) -> None:
    failed: set[uuid.UUID] = set()
    grace = timedelta(seconds=settings.scheduler_misfire_grace_seconds)
    for _ in range(MAX_CLAIMS_PER_TICK):
        if stop.is_set():
            return
        try:
            firing = await database.run(_fire_one, frozenset(failed), grace, settings.root_task_max_attempts)
        except errors.ScheduleFireFailed as err:
            # The message may quote the definition; the cause's class says enough for the log.
            logger.error("schedule %s could not fire: %s", err.schedule_id, type(err.__cause__).__name__)
            failed.add(uuid.UUID(err.schedule_id))
            continue
        if firing is None:
            return
        _record(firing)


def _fire_one(
    conn: db.Connection, exclude: frozenset[uuid.UUID], grace: timedelta, max_attempts: int
) -> schedules.ScheduleFiring | None:
    return schedules.fire_due_schedule(conn, exclude=exclude, misfire_grace=grace, max_attempts=max_attempts)


def _record(firing: schedules.ScheduleFiring) -> None:
    metrics.SCHEDULES_FIRED.inc(len(firing.fired))
    metrics.SCHEDULE_FIRES_SKIPPED.inc(len(firing.skipped_max_active))
    for fire in firing.fired:
        metrics.SCHEDULE_FIRE_LAG.observe((firing.now - fire.fire_time).total_seconds())
    if firing.fired or firing.skipped_max_active:
        logger.info(
            "schedule %s fired %s runs, skipped %s at max_active_runs",
            firing.schedule_id,
            len(firing.fired),
            len(firing.skipped_max_active),
        )
