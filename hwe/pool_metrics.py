"""A Prometheus collector over this process's database connection pools, read at scrape time.

`db.open_pool` hands every pool it opens to `metrics.DB_POOLS`, an instance of the collector here;
a scrape then reads each open pool's `get_stats()` (no counters are kept in between). The pools
are held weakly, so a closed and dropped pool leaves no series behind. Not a queue-wide view:
each process reports only its own pools (the queue-wide gauges are in `queue_metrics`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any

import psycopg_pool
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONNECTIONS = "hwe_db_pool_connections"
MAX_CONNECTIONS = "hwe_db_pool_max_connections"
REQUESTS_WAITING = "hwe_db_pool_requests_waiting"


class PoolCollector(Collector):
    """Reports the connections of every open pool it tracks: busy, idle, the maximum, and waiting requests."""

    def __init__(self) -> None:
        self._pools: weakref.WeakSet[psycopg_pool.ConnectionPool[Any]] = weakref.WeakSet()
        # The scrape runs in prometheus_client's HTTP thread while trio threads open pools.
        self._lock = threading.Lock()

    def track(self, pool: psycopg_pool.ConnectionPool[Any]) -> None:
        """Reports `pool` from now on, until it is closed."""
        with self._lock:
            self._pools.add(pool)

    def describe(self) -> Iterable[Metric]:
        """The metric families without samples, so a registry can check their names."""
        return self._families()

    def collect(self) -> Iterable[Metric]:
        """The families with their samples, read now."""
        with self._lock:
            pools = [pool for pool in self._pools if not pool.closed]
        stats = [pool.get_stats() for pool in pools]
        connections, maximum, waiting = self._families()
        if stats:
            available = sum(s.get("pool_available", 0) for s in stats)
            connections.add_metric(["busy"], sum(s.get("pool_size", 0) for s in stats) - available)
            connections.add_metric(["idle"], available)
            maximum.add_metric([], sum(s.get("pool_max", 0) for s in stats))
            waiting.add_metric([], sum(s.get("requests_waiting", 0) for s in stats))
        return [connections, maximum, waiting]

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                CONNECTIONS, "Connections of this process's database pools, by state (busy, idle)", labels=["state"]
            ),
            GaugeMetricFamily(MAX_CONNECTIONS, "The most connections this process's database pools may open"),
            GaugeMetricFamily(REQUESTS_WAITING, "Requests for a connection waiting because every one is busy"),
        ]
