"""The circuit breaker's state machine in SQL (`hwe.circuit`), on real connections and the engine clock.

Time is moved with the session's `hwe.fake_now`, never slept through. The concurrency tests record
outcomes from several sessions at once, as many workers do.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from typing import Any

from hwe import circuit, db, errors, tenants

TOOL = "tools.http.request"
POLICY = circuit.CircuitPolicy(failure_threshold=3, success_threshold=2, isolation_seconds=30.0)
START = datetime(2031, 1, 1, tzinfo=UTC)


def _tenant(conn: db.Connection) -> str:
    name = f"b{uuid.uuid4().hex[:12]}"
    tenants.create_tenant(conn, name, queue_name=name)
    return name


def _at(conn: db.Connection, moment: datetime) -> None:
    conn.execute("SELECT set_config('hwe.fake_now', %s, false)", (moment.isoformat(),))


def _admit(conn: db.Connection, tenant_id: str, tool: str = TOOL) -> circuit.Admission:
    with conn.transaction():
        return circuit.admit_circuit_call(conn, tenant_id, tool)


def _record(
    conn: db.Connection, tenant_id: str, *, failed: bool, policy: circuit.CircuitPolicy = POLICY, tool: str = TOOL
) -> str | None:
    with conn.transaction():
        return circuit.record_circuit_call(conn, tenant_id, tool, policy, failed=failed)


def _breaker(conn: db.Connection, tenant_id: str, tool: str = TOOL) -> dict[str, Any]:
    row = conn.execute(
        "SELECT * FROM hwe.circuit_breaker WHERE tenant_id = %s AND function_name = %s", (tenant_id, tool)
    ).fetchone()
    assert row is not None
    return row


def _open(conn: db.Connection, tenant_id: str) -> None:
    _at(conn, START)
    for _ in range(POLICY.failure_threshold):
        _record(conn, tenant_id, failed=True)


def test_a_tool_without_a_breaker_row_is_closed_and_admitted(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)

    admission = _admit(conn, tenant_id)

    assert (admission.admitted, admission.state) == (True, "closed")


def test_failures_in_a_row_up_to_the_threshold_open_the_breaker_for_its_isolation(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _at(conn, START)

    entered = [_record(conn, tenant_id, failed=True) for _ in range(3)]

    assert entered == [None, None, "open"]
    breaker = _breaker(conn, tenant_id)
    assert (breaker["state"], breaker["consecutive_failures"]) == ("open", 3)
    assert breaker["open_until"] == START + timedelta(seconds=30)


def test_a_success_between_failures_resets_the_count(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _at(conn, START)

    for failed in (True, True, False, True, True):
        _record(conn, tenant_id, failed=failed)

    breaker = _breaker(conn, tenant_id)
    assert (breaker["state"], breaker["consecutive_failures"]) == ("closed", 2)


def test_an_open_breaker_rejects_calls_until_its_isolation_has_passed(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _open(conn, tenant_id)

    _at(conn, START + timedelta(seconds=29))
    rejected = _admit(conn, tenant_id)
    _at(conn, START + timedelta(seconds=30))
    probe = _admit(conn, tenant_id)
    after = _admit(conn, tenant_id)

    assert (rejected.admitted, rejected.state, rejected.open_until) == (False, "open", START + timedelta(seconds=30))
    assert rejected.consecutive_failures == 3
    assert (probe.admitted, probe.state, probe.entered_half_open) == (True, "half_open", True)
    assert (after.admitted, after.state, after.entered_half_open) == (True, "half_open", False)


def test_successes_in_a_row_close_a_half_open_breaker(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _open(conn, tenant_id)
    _at(conn, START + timedelta(minutes=1))
    _admit(conn, tenant_id)

    entered = [_record(conn, tenant_id, failed=False) for _ in range(2)]

    assert entered == [None, "closed"]
    breaker = _breaker(conn, tenant_id)
    assert (breaker["state"], breaker["consecutive_failures"], breaker["open_until"]) == ("closed", 0, None)


def test_a_failure_while_half_open_opens_the_breaker_again(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _open(conn, tenant_id)
    later = START + timedelta(minutes=1)
    _at(conn, later)
    _admit(conn, tenant_id)
    _record(conn, tenant_id, failed=False)

    entered = _record(conn, tenant_id, failed=True)

    assert entered == "open"
    assert _breaker(conn, tenant_id)["open_until"] == later + timedelta(seconds=30)
    assert not _admit(conn, tenant_id).admitted


def test_an_outcome_of_a_call_admitted_before_the_breaker_opened_changes_nothing(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _open(conn, tenant_id)
    before = _breaker(conn, tenant_id)

    late = [_record(conn, tenant_id, failed=failed) for failed in (False, True)]

    assert late == [None, None]
    assert _breaker(conn, tenant_id) == before


def test_breakers_are_per_tenant_and_per_tool(conn: db.Connection) -> None:
    tenant_id, other_tenant = _tenant(conn), _tenant(conn)
    _open(conn, tenant_id)

    assert not _admit(conn, tenant_id).admitted
    assert _admit(conn, other_tenant).admitted
    assert _admit(conn, tenant_id, "tools.shell.run").admitted


def test_a_breaker_opens_with_the_thresholds_and_isolation_of_the_call_that_trips_it(conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    _at(conn, START)
    strict = circuit.CircuitPolicy(failure_threshold=2, success_threshold=1, isolation_seconds=5.0)

    _record(conn, tenant_id, failed=True)
    entered = _record(conn, tenant_id, failed=True, policy=strict)

    assert entered == "open"
    assert _breaker(conn, tenant_id)["open_until"] == START + timedelta(seconds=5)


def test_failures_recorded_by_many_sessions_at_once_are_all_counted(database_url: str, conn: db.Connection) -> None:
    tenant_id = _tenant(conn)
    lenient = circuit.CircuitPolicy(failure_threshold=10_000, success_threshold=1, isolation_seconds=1.0)
    barrier = threading.Barrier(6)

    def fail_many(index: int) -> None:
        with db.connect(database_url) as own:
            barrier.wait()
            for _ in range(25):
                _record(own, tenant_id, failed=True, policy=lenient)

    _in_threads(6, fail_many)

    assert _breaker(conn, tenant_id)["consecutive_failures"] == 150


def test_concurrent_failures_crossing_the_threshold_open_the_breaker_once(
    database_url: str, conn: db.Connection
) -> None:
    tenant_id = _tenant(conn)
    barrier = threading.Barrier(8)

    def fail_once(index: int) -> str | None:
        with db.connect(database_url) as own:
            barrier.wait()
            return _record(own, tenant_id, failed=True)

    entered = _in_threads(8, fail_once)

    # The third failure opens it; the rest are outcomes of calls admitted before, and change nothing.
    assert entered.count("open") == 1
    assert entered.count(None) == 7
    breaker = _breaker(conn, tenant_id)
    assert (breaker["state"], breaker["consecutive_failures"]) == ("open", 3)


def test_catch_and_ignore_exceptions_decide_which_tool_errors_count_as_failures() -> None:
    only_permanent = circuit.CircuitPolicy(3, 2, 30.0, catch=frozenset({"PermanentError"}))
    ignoring_temporary = circuit.CircuitPolicy(3, 2, 30.0, ignore=frozenset({"TemporaryError"}))
    every_error = circuit.CircuitPolicy(3, 2, 30.0, catch=frozenset({"ToolError"}))

    assert only_permanent.counts_as_failure(errors.PermanentError("exit 1"))
    assert not only_permanent.counts_as_failure(errors.TemporaryError("503"))
    assert not ignoring_temporary.counts_as_failure(errors.TemporaryError("503"))
    assert ignoring_temporary.counts_as_failure(errors.PermanentError("exit 1"))
    assert every_error.counts_as_failure(errors.TemporaryError("503"))


def _in_threads(count: int, work: Any) -> list[Any]:
    pool = ThreadPoolExecutor(max_workers=count)
    try:
        futures = [pool.submit(work, index) for index in range(count)]
        return [future.result() for future in as_completed(futures, timeout=60)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
