"""The database metrics, in process against the real PostgreSQL: driver errors by class, the pools, the queue gauges."""

from __future__ import annotations

import prometheus_client
import psycopg
import pytest

from hwe import db, metrics, queue_metrics, timeouts
from tests.integration.conftest import free_port


def _value(registry: prometheus_client.CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_a_failed_statement_is_counted_by_its_dbapi_class(conn: db.Connection) -> None:
    before = _value(metrics.REGISTRY, "hwe_db_errors_total", error="ProgrammingError")
    with pytest.raises(psycopg.errors.UndefinedTable):
        queue_metrics.read_queue_depth(conn, "no_such_queue")  # its tables do not exist
    assert _value(metrics.REGISTRY, "hwe_db_errors_total", error="ProgrammingError") == before + 1


def test_an_open_pool_is_reported_and_a_closed_one_is_forgotten(database_url: str) -> None:
    before = _value(metrics.REGISTRY, "hwe_db_pool_max_connections")
    with db.open_pool(database_url, 3) as pool:
        assert _value(metrics.REGISTRY, "hwe_db_pool_max_connections") == before + 3
        with pool.connection():
            assert _value(metrics.REGISTRY, "hwe_db_pool_connections", state="busy") >= 1
    assert _value(metrics.REGISTRY, "hwe_db_pool_max_connections") == before


def test_the_queue_collector_reports_every_queue_and_each_task_state(database_url: str, conn: db.Connection) -> None:
    registry = prometheus_client.CollectorRegistry()
    with queue_metrics.open_collector(registry, database_url):
        names = timeouts.list_queues(conn)
        # One scrape (each reads every queue: this worker's database holds the queues of many tests' tenants).
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for m in registry.collect() for s in m.samples}
    assert "default" in names  # the migrations create it
    assert samples[("hwe_queue_metrics_up", ())] == 1
    for name in names:
        for state in queue_metrics.TASK_STATES:
            assert (("hwe_queue_tasks", (("queue", name), ("state", state)))) in samples
        assert ("hwe_queue_oldest_pending_seconds", (("queue", name),)) in samples
    assert registry.get_sample_value("hwe_queue_metrics_up") is None  # unregistered with the block


def test_the_queue_collector_answers_with_up_zero_while_the_database_is_unreachable() -> None:
    registry = prometheus_client.CollectorRegistry()
    with queue_metrics.open_collector(registry, f"postgresql://nobody@127.0.0.1:{free_port()}/none"):
        exposition = prometheus_client.generate_latest(registry).decode()
    assert "hwe_queue_metrics_up 0.0" in exposition
    assert "# TYPE hwe_queue_tasks gauge" in exposition
