"""What every long-running engine process does about its own life: stop on a signal, and say whether it is well.

Used by the worker, scheduler, timeout and audit services (and `hwe up` for signals); the API leaves both to
uvicorn and the Workflow operator to kopf. `Health` is the one record of a service's liveness (its main loop makes
progress) and readiness (the database answers and its schema is at this code's version); probes read it over HTTP
(`hwe.probes`) and local supervisors through the health file. Not a supervisor: each caller owns the nursery its
watchers run in.
"""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

import trio

from hwe import db, migrate

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# A loop that has not come round for this long past its own interval is stuck: liveness fails and the pod restarts.
LIVENESS_GRACE_SECONDS = 30.0
READINESS_EVERY_SECONDS = 5.0


class Health:
    """Whether a service is alive and ready; written by its loops, read by the probe server's threads.

    Args:
        health_file: touched at every beat, for local supervisors (`hwe up`, tests); None: no file.
        loop_seconds: the longest a healthy loop waits between two beats (its poll or tick interval).
        stop: the service's stop event; a stopping service is not ready (it takes no new work).
    """

    def __init__(self, health_file: Path | None, loop_seconds: float, stop: trio.Event) -> None:
        self._health_file = health_file
        self._stale_after = loop_seconds + LIVENESS_GRACE_SECONDS
        self._stop = stop
        self._last_beat = time.monotonic()
        self._database_ready = False

    def beat(self) -> None:
        """Records that the main loop came round."""
        self._last_beat = time.monotonic()
        if self._health_file is not None:
            self._health_file.touch()

    def set_database_ready(self, ready: bool) -> None:
        """Records the last readiness check: the database answered and has every migration this code knows."""
        self._database_ready = ready

    def is_alive(self) -> bool:
        """True while the main loop comes round in time."""
        return time.monotonic() - self._last_beat <= self._stale_after

    def is_ready(self) -> bool:
        """True when the service should get work: alive, database ready, not stopping."""
        return self._database_ready and not self._stop.is_set() and self.is_alive()


async def watch_readiness(
    database: db.Database,
    health: Health,
    stop: trio.Event,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Checks the database and its schema every few seconds and records the result in `health`.

    Reports started once the schema is current (or a stop signal came first), so a service started before its
    migrations waits, not ready, instead of running against a schema it does not know.
    """
    started = False
    while True:
        ready = await _check_database(database)
        health.set_database_ready(ready)
        if not started and (ready or stop.is_set()):
            task_status.started()
            started = True
        await trio.sleep(READINESS_EVERY_SECONDS if started else 1.0)


async def _check_database(database: db.Database) -> bool:
    try:
        missing = await database.run(migrate.missing_migrations)
    except Exception as err:  # an outage is "not ready", never the end of the service
        logger.warning("readiness check failed with %s", type(err).__name__)
        return False
    if missing:
        logger.warning(
            "not ready: the database lacks %s migration(s), first %s; run `hwe migrate`", len(missing), missing[0]
        )
    return not missing


async def watch_stop_signals(stop: trio.Event) -> None:
    """Sets `stop` at the first SIGTERM or SIGINT, then keeps receiving them until cancelled.

    Receiving the later ones too means a second Ctrl-C is logged instead of interrupting a drain; the caller
    cancels this watcher once it has stopped.

    Args:
        stop: the event the caller's loops wait on.
    """
    with trio.open_signal_receiver(*STOP_SIGNALS) as signals:
        async for signum in signals:
            logger.info("received signal %s; %s", signum, "still stopping" if stop.is_set() else "stopping")
            stop.set()
