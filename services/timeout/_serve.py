"""The timeout service's loop: every scan interval, sweep each queue; now and then, clean up.

One pass: expire lapsed leases (each expiry notifies the queue's workers, so a standby worker
resumes the run at once), end runs past their deadline, check invariants. Stops at once on
SIGTERM or SIGINT: every sweep is its own transaction, so there is nothing to drain.
"""

from __future__ import annotations

import logging

import trio

from hwe import config, db, lifecycle, metrics, probes, queue_metrics, timeouts

logger = logging.getLogger(__name__)


async def serve_timeout(settings: config.Settings) -> None:
    """Runs the sweeps until a stop signal."""
    if not settings.database_url:
        raise SystemExit("timeout: no database URL (set HWE_DATABASE_URL or [database] url)")
    stop = trio.Event()
    health = lifecycle.Health(settings.timeout_health_file, settings.timeout_scan_seconds, stop)
    with db.open_pool(settings.database_url, settings.pool_size) as pool:
        database = db.Database(pool, settings.pool_size)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lifecycle.watch_stop_signals, stop)
            await nursery.start(probes.serve_probes, settings.metrics_host, settings.timeout_metrics_port, health)
            await nursery.start(lifecycle.watch_readiness, database, health, stop)
            nursery.start_soon(_sweep_forever, settings, database, health)
            logger.info("timeout service ready")
            await stop.wait()
            nursery.cancel_scope.cancel()
    logger.info("timeout service stopped")


async def _sweep_forever(settings: config.Settings, database: db.Database, health: lifecycle.Health) -> None:
    # The queue-wide gauges come from this service alone (one replica by default), read at scrape time.
    with queue_metrics.open_collector(metrics.REGISTRY, settings.database_url or ""):
        await _sweep_loop(settings, database, health)


async def _sweep_loop(settings: config.Settings, database: db.Database, health: lifecycle.Health) -> None:
    last_cleanup = -settings.cleanup_every_seconds
    while True:
        try:
            await database.run(_sweep, settings)
            if trio.current_time() - last_cleanup >= settings.cleanup_every_seconds:
                await database.run(_cleanup, settings)
                last_cleanup = trio.current_time()
        except Exception as err:  # a database outage must not end the service: sweep again next time
            logger.error("sweep failed with %s; retrying in %s s", type(err).__name__, settings.timeout_scan_seconds)
        health.beat()
        await trio.sleep(settings.timeout_scan_seconds)


def _sweep(conn: db.Connection, settings: config.Settings) -> None:
    for queue_name in timeouts.list_queues(conn):
        expired = timeouts.expire_leases(conn, queue_name, settings.timeout_batch)
        if expired:
            metrics.TIMEOUTS.labels("lease").inc(expired)
            metrics.LEASES_EXPIRED.inc(expired)
            logger.info("expired %s leases in queue %s", expired, queue_name)
        for violation in timeouts.check_invariants(conn, queue_name, settings.timeout_batch):
            metrics.INVARIANT_VIOLATIONS.labels(violation.kind, str(violation.repaired).lower()).inc()
    ended = timeouts.enforce_deadlines(conn, settings.timeout_batch)
    if ended:
        metrics.TIMEOUTS.labels("deadline").inc(len(ended))
    for _run_id, state in ended:
        metrics.RUNS_FINISHED.labels(state).inc()


def _cleanup(conn: db.Connection, settings: config.Settings) -> None:
    for queue_name in timeouts.list_queues(conn):
        tasks, events, offline_workers = timeouts.cleanup(
            conn,
            queue_name,
            task_ttl_seconds=settings.task_ttl_seconds,
            event_ttl_seconds=settings.event_ttl_seconds,
            worker_ttl_seconds=settings.worker_ttl_seconds,
            limit=settings.timeout_batch * 10,
        )
        metrics.CLEANED.labels("task").inc(tasks)
        metrics.CLEANED.labels("event").inc(events)
        metrics.CLEANED.labels("worker").inc(offline_workers)
