"""The worker loop: listen, claim, run, drain.

Wakes on the queue's NOTIFY (polling only as a fallback), claims as many
runs as it has free slots and runs each in a nursery it owns. SIGTERM or SIGINT stops claiming;
runs in flight get `drain_seconds` to finish, after which they are cancelled and handed back.
Once per poll interval the worker records its heartbeat in the registry (hwe.workers) and reads back what
an operator asked of it: paused, it claims nothing and keeps running what it holds; draining, it stops as on
SIGTERM; a new concurrency applies to its next claim round.
The worker also owns the wake-up of timers: a sleep or retry notifies its wake time, and every claim
round that leaves slots free asks the queue for the next one, so a due run is claimed on time, not at the poll.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import os
import socket
import uuid
from dataclasses import dataclass

import psycopg
import trio

from hwe import committer, config, db, lifecycle, metrics, orchestrator, probes, queue, workers

logger = logging.getLogger(__name__)
_VERSION = importlib.metadata.version("highway-engine")


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


@dataclass
class _Control:
    """What the claim loop obeys and the heartbeat reports: the live concurrency, the runs held, whether paused."""

    concurrency: int
    in_flight: int = 0
    paused: bool = False


async def serve_worker(settings: config.Settings) -> None:
    """Runs the worker until a stop signal has drained it."""
    if not settings.database_url:
        raise SystemExit("worker: no database URL (set HWE_DATABASE_URL or [database] url)")
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    wakeup = _Wakeup()
    stop = trio.Event()
    control = _Control(settings.worker_concurrency)
    registry_id = uuid.uuid4()
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
            nursery.start_soon(_heartbeats, settings, database, registry_id, control, wakeup, stop)
            async with trio.open_nursery() as runs_nursery:
                logger.info("worker %s (%s) ready on queue %s", worker_id, registry_id, settings.worker_queue)
                await _claim_loop(settings, database, writer, worker_id, control, wakeup, stop, health, runs_nursery)
                logger.info("worker %s draining", worker_id)
                runs_nursery.cancel_scope.deadline = trio.current_time() + settings.worker_drain_seconds
            nursery.cancel_scope.cancel()
        with trio.move_on_after(5, shield=True):  # the registry shows it offline now, not after its heartbeats lapse
            await _beat(settings, database, registry_id, control, "stopped")
    logger.info("worker %s stopped", worker_id)


async def _claim_loop(
    settings: config.Settings,
    database: db.Database,
    writer: committer.Committer,
    worker_id: str,
    control: _Control,
    wakeup: _Wakeup,
    stop: trio.Event,
    health: lifecycle.Health,
    runs_nursery: trio.Nursery,
) -> None:
    template_env = allowed_environment(settings.template_env)
    # True when the last claim filled every free slot: more runs are probably waiting, so a finished
    # run should claim again at once. Otherwise a finished run waits for a NOTIFY or the poll, which
    # spares the database a claim that would come back empty.
    backlog = False

    async def run_one(claim: queue.ClaimedTask) -> None:
        try:
            await orchestrator.execute_claimed(database, writer, claim, settings.worker_lease_seconds, template_env)
        except* psycopg.OperationalError as group:
            # The database went away mid-run (a restart, a terminated session): this run's lease lapses and the
            # run resumes from its checkpoints on the next claim; the worker and its other runs go on.
            logger.warning("run %s stopped: %s; it resumes once its lease lapses", claim.run_id, _names(group))
        finally:
            control.in_flight -= 1
            _count_slots(settings, control)
            if backlog:
                wakeup.set()

    while not stop.is_set():
        health.beat()
        free = 0 if control.paused else control.concurrency - control.in_flight
        claims: list[queue.ClaimedTask] = []
        if free > 0:
            try:
                claimed = await database.run(_claim, settings, worker_id, free)
            except psycopg.OperationalError as err:  # the database is restarting: claim again after the poll
                logger.warning("worker %s could not claim: %s", worker_id, type(err).__name__)
                await _wait_for_work(wakeup, stop, settings.worker_poll_seconds)
                continue
            claims = claimed.claims
            if claimed.next_wake_seconds is not None:
                wakeup.set_at(trio.current_time() + claimed.next_wake_seconds)
            backlog = len(claims) == free
            metrics.WAKEUPS.labels("claimed" if claims else "empty").inc()
            metrics.RUNS_CLAIMED.inc(len(claims))
            _count_claims(claims)
            for claim in claims:
                control.in_flight += 1
                runs_nursery.start_soon(run_one, claim)
            _count_slots(settings, control)
            if claims:
                logger.debug("claimed %s runs", len(claims))
        if not claims or len(claims) < free:
            await _wait_for_work(wakeup, stop, settings.worker_poll_seconds)


def _names(group: BaseExceptionGroup[BaseException]) -> str:
    return ", ".join(sorted({type(err).__name__ for err in group.exceptions}))


def _count_claims(claims: list[queue.ClaimedTask]) -> None:
    metrics.CLAIMS_PER_WAKEUP.observe(len(claims))
    for claim in claims:
        waited = (claim.claimed_at - claim.available_at).total_seconds()
        metrics.SCHEDULE_TO_START.labels(claim.queue).observe(max(waited, 0.0))
        if claim.first_start:
            metrics.RUNS_STARTED.labels(claim.queue).inc()


def _count_slots(settings: config.Settings, control: _Control) -> None:
    metrics.WORKER_SLOTS.labels(settings.worker_queue, "busy").set(control.in_flight)
    # A paused worker has no slot to offer: its queue's alerts must not count it as capacity.
    free = 0 if control.paused else max(control.concurrency - control.in_flight, 0)
    metrics.WORKER_SLOTS.labels(settings.worker_queue, "free").set(free)


async def _heartbeats(
    settings: config.Settings,
    database: db.Database,
    registry_id: uuid.UUID,
    control: _Control,
    wakeup: _Wakeup,
    stop: trio.Event,
) -> None:
    """Records the worker's heartbeat once per poll interval and obeys the commands it reads back."""
    while True:
        state = "draining" if stop.is_set() else "paused" if control.paused else "online"
        commands = await _beat(settings, database, registry_id, control, state)
        if commands is not None and not stop.is_set():
            _obey(settings, commands, control, wakeup, stop)
        await trio.sleep(settings.worker_poll_seconds)


async def _beat(
    settings: config.Settings, database: db.Database, registry_id: uuid.UUID, control: _Control, state: str
) -> workers.Commands | None:
    """One heartbeat; None when the database did not take it (the worker goes on, and shows offline if it lasts)."""
    beat = workers.Heartbeat(
        worker_id=registry_id,
        queue_name=settings.worker_queue,
        hostname=socket.gethostname(),
        pid=os.getpid(),
        version=_VERSION,
        concurrency=control.concurrency,
        in_flight=control.in_flight,
        state=state,
        heartbeat_seconds=settings.worker_poll_seconds,
    )
    try:
        return await database.run(workers.record_heartbeat, beat)
    except Exception as err:  # a lost heartbeat must not stop the runs; the readiness probe reports the database
        logger.warning("worker %s could not record its heartbeat: %s", registry_id, type(err).__name__)
        return None


def _obey(
    settings: config.Settings, commands: workers.Commands, control: _Control, wakeup: _Wakeup, stop: trio.Event
) -> None:
    if commands.requested_state == "draining":
        logger.info("worker draining on request")
        stop.set()
        return
    paused = commands.requested_state == "paused"
    concurrency = commands.requested_concurrency or control.concurrency
    if paused != control.paused or concurrency != control.concurrency:
        logger.info("worker %s, concurrency %s, on request", "paused" if paused else "claiming", concurrency)
        control.paused, control.concurrency = paused, concurrency
        _count_slots(settings, control)
        wakeup.set()  # claim now what a resume or a larger concurrency allows, not at the next poll


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
    started = False
    while True:
        try:
            conn = await trio.to_thread.run_sync(db.connect, settings.database_url)
            try:
                await trio.to_thread.run_sync(_start_listening, conn, settings.worker_queue)
                if not started:
                    task_status.started()
                    started = True
                while True:
                    payloads = await trio.to_thread.run_sync(
                        _wait_notify, conn, settings.worker_poll_seconds, abandon_on_cancel=True
                    )
                    _wake_for(wakeup, payloads, trio.current_time())
            finally:
                conn.close()
        except psycopg.OperationalError as err:
            if not started:
                raise  # no database at start: the supervisor restarts the worker, and says so
            # A restarted database or a terminated session: listen again; the poll covers what was missed meanwhile.
            logger.warning("worker lost its LISTEN session (%s); listening again", type(err).__name__)
            wakeup.set()
            await trio.sleep(settings.worker_poll_seconds)


def _start_listening(conn: db.Connection, queue_name: str) -> None:
    db.execute(conn, "listen_queue", queue=queue_name)


def _wake_for(wakeup: _Wakeup, payloads: list[str], received: float) -> None:
    for payload in payloads:
        # A timer or retry says when its run falls due: wake then, not now (its claim would come back empty).
        delay = queue.wake_delay(payload)
        if delay is None:
            wakeup.set()
        else:
            wakeup.set_at(received + delay)


def _wait_notify(conn: db.Connection, timeout: float) -> list[str]:
    return [notify.payload for notify in conn.notifies(timeout=timeout, stop_after=1)]


def allowed_environment(names: str) -> dict[str, str]:
    """The worker's environment variables named in the comma-separated allow-list, for `{{ENV.NAME}}`."""
    allowed = {name.strip() for name in names.split(",") if name.strip()}
    return {name: value for name, value in os.environ.items() if name in allowed}
