"""What every long-running engine process does about its own life: stop on a signal, and prove it is alive.

Used by the worker, scheduler and timeout services and by `hwe up`; the API leaves both to uvicorn and the
Workflow operator to kopf. Not a supervisor: each caller owns the nursery the signal watcher runs in.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import trio

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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


def touch_health_file(path: Path | None) -> None:
    """Touches the liveness file a probe checks the age of (nothing when none is configured)."""
    if path is not None:
        path.touch()
