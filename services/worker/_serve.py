"""The worker loop: listen, claim, run, drain.

Wakes on the queue's NOTIFY (polling only as a fallback), claims as many
runs as it has free slots and runs each in a nursery it owns. SIGTERM or SIGINT stops claiming;
runs in flight get `drain_seconds` to finish, after which they are cancelled and handed back.
The worker also owns the wake-up of timers: a sleep or retry notifies its wake time, and every claim
round that leaves slots free asks the queue for the next one, so a due run is claimed on time, not at the poll.
"""

from __future__ import annotations

import logging
import math
import os
import socket

import trio

from hwe import committer, config, db, lifecycle, metrics, orchestrator, probes, queue

logger = logging.getLogger(__name__)


class _Wakeup:
    """A level-triggered wake-up flag shared by the listener, finished runs and the claim loop, with an alarm.

    `set` wakes the claim loop now; `set_at` wakes it at a trio time, when a run falls due. The earliest
    alarm is kept until a wait reaches it, so one that arrives while the loop is claiming is not lost.
    """

    def __init__(self) -> None:
        self._event = trio.Event()
        self._due = math.inf
        self._waiting: trio.CancelScope | None = None

    def set(self) -> None:
        self._event.set()

    def set_at(self, due: float) -> None:
        self._due = min(self._due, due)
        if self._waiting is not None:
            self._waiting.deadline = min(self._waiting.deadline, self._due)

    async def wait(self, timeout: float) -> None:
        with trio.move_on_at(min(trio.current_time() + timeout, self._due)) as waiting:
            self._waiting = waiting
            await self._event.wait()
        self._waiting = None
        self._event = trio.Event()
        if self._due <= trio.current_time():
            self._due = math.inf


async def serve_worker(settings: config.Settings) -> None:
    """Runs the worker until a stop signal has drained it."""
    if not settings.database_url:
        raise SystemExit("worker: no database URL (set HWE_DATABASE_URL or [database] url)")
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    wakeup = _Wakeup()
    stop = trio.Event()
    health = lifecycle.Health(settings.worker_health_file, settings.worker_poll_seconds, stop)
    with db.open_pool(settings.database_url, settings.pool_size) as pool:
        database = db.Database(pool, settings.pool_size)
        # The runs' checkpoints and outcomes, several runs' in one transaction; it outlives every run.
        writer = committer.Committer(database)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lifecycle.watch_stop_signals, stop)
            await nursery.start(probes.serve_probes, settings.metrics_host, settings.worker_metrics_port, health)
            await nursery.start(lifecycle.watch_readiness, database, health, stop)
            await nursery.start(_listen, settings, wakeup)
            await nursery.start(writer.serve)
            async with trio.open_nursery() as runs_nursery:
                logger.info("worker %s ready on queue %s", worker_id, settings.worker_queue)
                await _claim_loop(settings, database, writer, worker_id, wakeup, stop, health, runs_nursery)
                logger.info("worker %s draining", worker_id)
                runs_nursery.cancel_scope.deadline = trio.current_time() + settings.worker_drain_seconds
            nursery.cancel_scope.cancel()
    logger.info("worker %s stopped", worker_id)


async def _claim_loop(
    settings: config.Settings,
    database: db.Database,
    writer: committer.Committer,
    worker_id: str,
    wakeup: _Wakeup,
    stop: trio.Event,
    health: lifecycle.Health,
    runs_nursery: trio.Nursery,
) -> None:
    in_flight = 0
    template_env = allowed_environment(settings.template_env)
    # True when the last claim filled every free slot: more runs are probably waiting, so a finished
    # run should claim again at once. Otherwise a finished run waits for a NOTIFY or the poll, which
    # spares the database a claim that would come back empty.
    backlog = False

    async def run_one(claim: queue.ClaimedTask) -> None:
        nonlocal in_flight
        try:
            await orchestrator.execute_claimed(database, writer, claim, settings.worker_lease_seconds, template_env)
        finally:
            in_flight -= 1
            _count_slots(settings, in_flight)
            if backlog:
                wakeup.set()

    while not stop.is_set():
        health.beat()
        free = settings.worker_concurrency - in_flight
        claims: list[queue.ClaimedTask] = []
        if free > 0:
            claimed = await database.run(_claim, settings, worker_id, free)
            claims = claimed.claims
            if claimed.next_wake_seconds is not None:
                wakeup.set_at(trio.current_time() + claimed.next_wake_seconds)
            backlog = len(claims) == free
            metrics.WAKEUPS.labels("claimed" if claims else "empty").inc()
            metrics.RUNS_CLAIMED.inc(len(claims))
            _count_claims(claims)
            for claim in claims:
                in_flight += 1
                runs_nursery.start_soon(run_one, claim)
            _count_slots(settings, in_flight)
            if claims:
                logger.debug("claimed %s runs", len(claims))
        if not claims or len(claims) < free:
            await _wait_for_work(wakeup, stop, settings.worker_poll_seconds)


def _count_claims(claims: list[queue.ClaimedTask]) -> None:
    metrics.CLAIMS_PER_WAKEUP.observe(len(claims))
    for claim in claims:
        waited = (claim.claimed_at - claim.available_at).total_seconds()
        metrics.SCHEDULE_TO_START.labels(claim.queue).observe(max(waited, 0.0))
        if claim.first_start:
            metrics.RUNS_STARTED.labels(claim.queue).inc()


def _count_slots(settings: config.Settings, in_flight: int) -> None:
    metrics.WORKER_SLOTS.labels(settings.worker_queue, "busy").set(in_flight)
    metrics.WORKER_SLOTS.labels(settings.worker_queue, "free").set(settings.worker_concurrency - in_flight)


async def _wait_for_work(wakeup: _Wakeup, stop: trio.Event, timeout: float) -> None:
    async with trio.open_nursery() as nursery:

        async def stop_waiting_on_signal() -> None:
            await stop.wait()
            nursery.cancel_scope.cancel()

        nursery.start_soon(stop_waiting_on_signal)
        await wakeup.wait(timeout)
        nursery.cancel_scope.cancel()


def _claim(conn: db.Connection, settings: config.Settings, worker_id: str, limit: int) -> queue.ClaimRound:
    """The runs claimed with what executing them needs, and the seconds until the queue's next run is due."""
    # One statement on an autocommit connection: the claim commits before any work starts, and from then on
    # the lease is what protects the run. Lapsed leases are not swept here: the timeout service expires them
    # and notifies the queue. The next wake time finds timers that fell due before this worker listened,
    # or whose notification it missed.
    return queue.claim_tasks(
        conn, settings.worker_queue, worker_id=worker_id, limit=limit, lease_seconds=settings.worker_lease_seconds
    )


async def _listen(
    settings: config.Settings, wakeup: _Wakeup, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    assert settings.database_url is not None
    conn = await trio.to_thread.run_sync(db.connect, settings.database_url)
    try:
        await trio.to_thread.run_sync(lambda: db.execute(conn, "listen_queue", queue=settings.worker_queue))
        task_status.started()
        while True:
            payloads = await trio.to_thread.run_sync(
                _wait_notify, conn, settings.worker_poll_seconds, abandon_on_cancel=True
            )
            received = trio.current_time()
            for payload in payloads:
                # A timer or retry says when its run falls due: wake then, not now (its claim would come back empty).
                delay = queue.wake_delay(payload)
                if delay is None:
                    wakeup.set()
                else:
                    wakeup.set_at(received + delay)
    finally:
        conn.close()


def _wait_notify(conn: db.Connection, timeout: float) -> list[str]:
    return [notify.payload for notify in conn.notifies(timeout=timeout, stop_after=1)]


def allowed_environment(names: str) -> dict[str, str]:
    """The worker's environment variables named in the comma-separated allow-list, for `{{ENV.NAME}}`."""
    allowed = {name.strip() for name in names.split(",") if name.strip()}
    return {name: value for name, value in os.environ.items() if name in allowed}
