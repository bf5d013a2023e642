"""The queue-wide gauges, read from PostgreSQL at scrape time: depth by state, oldest due run, active workers.

Registered only by the timeout service (`open_collector`), so one process reports each queue and
dashboards need no sum across workers; with several timeout replicas, queries take `max by (queue)`.
The collector runs in prometheus_client's HTTP thread, so it opens its own short-lived blocking
connection with a statement timeout rather than borrowing the trio service's pool. Not per-process
metrics: those are in `metrics` and `pool_metrics`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import prometheus_client
import psycopg
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg.rows import dict_row

from hwe import db, timeouts

logger = logging.getLogger(__name__)

TASK_STATES = ("pending", "running", "sleeping", "completed", "failed", "cancelled")
STATEMENT_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_SECONDS = 5


class QueueCollector(Collector):
    """Reports every queue's depth from the database at each scrape; `hwe_queue_metrics_up` says if it could."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url

    def describe(self) -> Iterable[Metric]:
        """The metric families without samples, so a registry can check their names."""
        return _families()

    def collect(self) -> Iterable[Metric]:
        """The families with their samples, read now."""
        tasks, ready, oldest, workers, up = _families()
        try:
            depths = self._read()
        except Exception as err:  # a scrape must answer (with the other metrics) even while the database is away
            logger.warning("could not read the queue depths: %s", type(err).__name__)
            up.add_metric([], 0)
            return [tasks, ready, oldest, workers, up]
        for queue_name, depth in depths.items():
            counts = depth["tasks"]
            for state in TASK_STATES:
                tasks.add_metric([queue_name, state], counts.get(state, 0))
            ready.add_metric([queue_name], depth["ready"])
            oldest.add_metric([queue_name], depth["oldest_ready_seconds"])
            workers.add_metric([queue_name], depth["workers"])
        up.add_metric([], 1)
        return [tasks, ready, oldest, workers, up]

    def _read(self) -> dict[str, db.Row]:
        with psycopg.connect(
            self._database_url,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        ) as conn:
            return {name: read_queue_depth(conn, name) for name in timeouts.list_queues(conn)}


def read_queue_depth(conn: db.Connection, queue: str) -> db.Row:
    """One queue's tasks by state, runs due now, the oldest due run's age in seconds, and leased workers."""
    row: dict[str, Any] = db.execute(conn, "read_queue_depth", queue=queue)[0]
    return row


@contextlib.contextmanager
def open_collector(registry: prometheus_client.CollectorRegistry, database_url: str) -> Iterator[QueueCollector]:
    """Registers a QueueCollector on `registry` for the duration of the block."""
    collector = QueueCollector(database_url)
    registry.register(collector)
    try:
        yield collector
    finally:
        registry.unregister(collector)


def _families() -> list[GaugeMetricFamily]:
    return [
        GaugeMetricFamily("hwe_queue_tasks", "Tasks in each queue, by state", labels=["queue", "state"]),
        GaugeMetricFamily(
            "hwe_queue_runs_ready", "Runs due now and not yet claimed (the queue's backlog)", labels=["queue"]
        ),
        GaugeMetricFamily(
            "hwe_queue_oldest_pending_seconds",
            "Seconds the oldest due, unclaimed run has waited since it became due (0 when none waits)",
            labels=["queue"],
        ),
        GaugeMetricFamily(
            "hwe_queue_workers_active", "Workers holding a live lease on a run of the queue", labels=["queue"]
        ),
        GaugeMetricFamily("hwe_queue_metrics_up", "1 when the last scrape could read the queue depths, else 0"),
    ]
