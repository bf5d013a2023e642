"""The audit service's loops: claim due webhook deliveries, send them, record each attempt; and archive the trail.

Replicas share the outbox (claims use SKIP LOCKED); a claim is a lease, so a replica killed mid-delivery leaves
its deliveries due again with the same `webhook-id`, and receivers deduplicate. On SIGTERM it finishes the
attempts in flight (each is bounded by the webhook timeout), then stops.

Beside delivery, a timer task keeps event_log's coming day partitions created and, every
`[audit] archive_every_seconds` (0: never), runs one archive pass (`hwe.archive`) in a thread on a connection of
its own, so a long pass takes no pooled connection from delivery. Replicas take turns through an advisory lock. On
SIGTERM a pass in flight is finished, not abandoned; a kill mid-pass is safe (the next pass completes it).
"""

from __future__ import annotations

import datetime
import logging
import random

import httpx
import trio

from hwe import archive, archive_store, config, db, lifecycle, metrics, outbound, probes, secrets, webhooks
from services.audit import _send

logger = logging.getLogger(__name__)
BACKLOG_EVERY_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0
# With archiving disabled the timer still keeps event_log's partitions created, this often.
PARTITIONS_EVERY_SECONDS = 3600.0


async def serve_audit(settings: config.Settings) -> None:
    """Delivers webhooks until a stop signal."""
    if not settings.database_url:
        raise SystemExit("audit: no database URL (set HWE_DATABASE_URL or [database] url)")
    provider = secrets.open_secret_provider(settings)
    stop = trio.Event()
    health = lifecycle.Health(settings.audit_health_file, settings.audit_poll_seconds, stop)
    timeout = httpx.Timeout(settings.audit_webhook_timeout_seconds)
    policy = outbound.parse_policy(settings.outbound_allowed_networks)
    with db.open_pool(settings.database_url, settings.pool_size) as pool:
        database = db.Database(pool, settings.pool_size)
        http = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)
        async with http, trio.open_nursery() as nursery:
            nursery.start_soon(lifecycle.watch_stop_signals, stop)
            await nursery.start(probes.serve_probes, settings.metrics_host, settings.audit_metrics_port, health)
            await nursery.start(lifecycle.watch_readiness, database, health, stop)
            nursery.start_soon(_archive_on_timer, settings, settings.database_url, stop)
            logger.info("audit service ready, polling every %s s", settings.audit_poll_seconds)
            await _dispatch(settings, database, provider, http, policy, stop, health)
            nursery.cancel_scope.cancel()
    logger.info("audit service stopped")


async def _dispatch(
    settings: config.Settings,
    database: db.Database,
    provider: secrets.SecretProvider,
    http: httpx.AsyncClient,
    policy: outbound.Policy,
    stop: trio.Event,
    health: lifecycle.Health,
) -> None:
    # Longer than an attempt can take (the timeout) plus recording it; a lapsed lease means the sender died.
    lease_seconds = 2 * settings.audit_webhook_timeout_seconds + 1.0
    last_backlog = -BACKLOG_EVERY_SECONDS
    while not stop.is_set():
        health.beat()
        claimed: list[webhooks.Delivery] = []
        try:
            claimed = await database.run(webhooks.claim_webhook_deliveries, settings.audit_batch, lease_seconds)
            async with trio.open_nursery() as attempts:
                for delivery in claimed:
                    attempts.start_soon(_deliver, settings, database, provider, http, policy, delivery)
            if trio.current_time() - last_backlog >= BACKLOG_EVERY_SECONDS:
                _report_backlog(await database.run(webhooks.webhook_backlog))
                last_backlog = trio.current_time()
        except Exception as err:  # a database outage must not end the service: try again next poll
            logger.error("dispatch failed with %s; retrying in %s s", type(err).__name__, settings.audit_poll_seconds)
        if len(claimed) < settings.audit_batch:
            with trio.move_on_after(settings.audit_poll_seconds):
                await stop.wait()


async def _archive_on_timer(settings: config.Settings, url: str, stop: trio.Event) -> None:
    every = settings.audit_archive_every_seconds
    interval = every if every > 0 else PARTITIONS_EVERY_SECONDS
    location = archive_store.location(settings)
    while not stop.is_set():
        started = trio.current_time()
        try:
            result = await trio.to_thread.run_sync(
                _archive_once, url, location, settings.audit_archive_after, every > 0
            )
            if result is not None:
                _report_archive(result, trio.current_time() - started)
        except Exception as err:  # an outage or a refused day must not end the service: try again next tick
            logger.error("archive pass failed with %s; retrying in %s s", type(err).__name__, interval)
        with trio.move_on_after(interval):
            await stop.wait()


def _archive_once(url: str, location: str, older_than: datetime.timedelta, run_pass: bool) -> archive.PassResult | None:
    with db.connect(url) as conn:
        archive.ensure_partitions(conn)
        return archive.run_archive_pass(conn, location, older_than) if run_pass else None


def _report_archive(result: archive.PassResult, seconds: float) -> None:
    if result.busy:
        logger.info("archive pass skipped: another one is running")
        return
    metrics.AUDIT_ARCHIVED_RECORDS.inc(result.records_archived)
    metrics.AUDIT_PRUNED_DAYS.inc(result.days_pruned)
    metrics.AUDIT_LAST_ARCHIVE_SECONDS.set(seconds)
    logger.info(
        "archive pass: %s day(s) before %s, %s record(s) archived, %s partition(s) dropped in %.2f s",
        len(result.days),
        result.first_day_kept,
        result.records_archived,
        result.days_pruned,
        seconds,
    )


async def _deliver(
    settings: config.Settings,
    database: db.Database,
    provider: secrets.SecretProvider,
    http: httpx.AsyncClient,
    policy: outbound.Policy,
    delivery: webhooks.Delivery,
) -> None:
    try:
        secret = await trio.to_thread.run_sync(webhooks.signing_secret, provider, delivery)
        started = trio.current_time()
        attempt = await _send.send(http, delivery, secret, policy)
        metrics.WEBHOOK_ATTEMPT_SECONDS.observe(trio.current_time() - started)
        outcome = await database.run(_record, settings, delivery, attempt)
    except Exception as err:  # one delivery's trouble (a secret store down) must not cancel the batch's others
        logger.error("delivery %s failed with %s; due again after its lease", delivery.delivery_id, type(err).__name__)
        return
    metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
    log = logger.info if outcome == "delivered" else logger.warning
    log(
        "delivery %s (%s) attempt %s to webhook %s: %s",
        delivery.delivery_id,
        delivery.event_type,
        delivery.attempts,
        delivery.webhook_id,
        outcome if attempt.error is None else f"{outcome}: {attempt.error}",
    )


def _record(conn: db.Connection, settings: config.Settings, delivery: webhooks.Delivery, attempt: _send.Attempt) -> str:
    """Records the attempt; returns its outcome: delivered, retrying, dead, disabled (410) or blocked."""
    if attempt.delivered:
        assert attempt.status_code is not None
        webhooks.record_delivery_succeeded(conn, delivery, attempt.status_code)
        return "delivered"
    gone = attempt.status_code == 410
    with conn.transaction():
        if gone:
            webhooks.disable_webhook(conn, delivery.webhook_id, "the receiver answered 410 Gone")
        state = webhooks.record_delivery_failed(
            conn,
            delivery,
            status_code=attempt.status_code,
            error=attempt.error or "",
            retry_after_seconds=_backoff(settings.audit_webhook_backoff_seconds, delivery.attempts),
            max_attempts=settings.audit_webhook_max_attempts,
            give_up=gone or attempt.blocked,
        )
    if gone:
        return "disabled"
    if attempt.blocked:
        return "blocked"
    return "retrying" if state == "pending" else "dead"


def _backoff(first_seconds: float, attempts: int) -> float:
    """Exponential back-off from the first delay, with full jitter on its upper half (so retries spread)."""
    delay: float = min(first_seconds * 2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 (jitter, not a secret)


def _report_backlog(backlog: db.Row) -> None:
    metrics.WEBHOOK_BACKLOG.labels("pending").set(backlog["pending"])
    metrics.WEBHOOK_BACKLOG.labels("dead").set(backlog["dead"])
    metrics.WEBHOOK_OLDEST_PENDING_SECONDS.set(backlog["oldest_pending_seconds"])
