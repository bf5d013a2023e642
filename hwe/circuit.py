"""Circuit breakers for tools: one per (tenant, tool function), shared by every worker through PostgreSQL.

A task whose definition carries a `circuit_breaker_policy` calls its tool through its tenant's breaker
for that function (`call_through`, reached through `DurableContext.circuit_call` inside the task's
durable step, so a replay neither runs the tool nor counts the call again). Closed: calls run, and
`failure_threshold` failures in a row open it. Open: calls fail fast with `CircuitOpen` until the
isolation has passed. Half-open: calls run; `success_threshold` successes in a row close it, a failure
opens it again. The SQL functions here never commit: their callers own the transaction. Not a retry
policy: retries of a task are calls like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from hwe import db, errors, metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")
# The errors the engine's tools raise; catch_exceptions and ignore_exceptions name these classes.
ERROR_NAMES = ("ToolError", "PermanentError", "TemporaryError")
# Operators that call a tool (an activity runs as a task of a child run).
_TOOL_OPERATORS = ("task", "activity")
_MAX_ISOLATION_SECONDS = 365 * 24 * 3600.0


@dataclass(frozen=True)
class CircuitPolicy:
    """A task's validated `circuit_breaker_policy`.

    `catch` (None: every tool error) and `ignore` name error classes; a failure whose class (or a base
    class) is caught and not ignored counts as a failure, any other failure as a success, as in
    resilient-circuit: the dependency answered, the error is the caller's.
    """

    failure_threshold: int
    success_threshold: int
    isolation_seconds: float
    catch: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()

    def counts_as_failure(self, err: errors.ToolError) -> bool:
        """Whether `err` is a failure of the tool for the breaker (rather than a success)."""
        names = {cls.__name__ for cls in type(err).__mro__}
        if self.catch is not None and not names & self.catch:
            return False
        return not names & self.ignore


@dataclass(frozen=True)
class Admission:
    """What a breaker says about one call: run it, or fail fast until `open_until`."""

    admitted: bool
    state: str
    open_until: datetime | None
    consecutive_failures: int
    entered_half_open: bool


def policy_of(task_id: str, operator: Any) -> CircuitPolicy | None:
    """Validates an operator's highway_dsl `circuit_breaker_policy` (None when it has none).

    Raises:
        InvalidWorkflow: the policy cannot be honoured; the message names the task and the field.
    """
    policy = getattr(operator, "circuit_breaker_policy", None)
    if policy is None:
        return None
    field = f"task {task_id!r}: field 'circuit_breaker_policy"
    if str(getattr(operator.operator_type, "value", operator.operator_type)) not in _TOOL_OPERATORS:
        raise errors.InvalidWorkflow(f"{field}': only a task or an activity calls a tool through a circuit breaker")
    for name in ("failure_threshold", "success_threshold"):
        value = getattr(policy, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise errors.InvalidWorkflow(f"{field}.{name}': an integer of at least 1")
    seconds = policy.isolation_duration.total_seconds()
    if not 0 < seconds <= _MAX_ISOLATION_SECONDS:
        raise errors.InvalidWorkflow(f"{field}.isolation_duration': a positive duration of at most 365 days")
    catch = _error_names(f"{field}.catch_exceptions'", policy.catch_exceptions)
    ignore = _error_names(f"{field}.ignore_exceptions'", policy.ignore_exceptions)
    return CircuitPolicy(
        failure_threshold=policy.failure_threshold,
        success_threshold=policy.success_threshold,
        isolation_seconds=seconds,
        catch=catch,
        ignore=ignore or frozenset(),
    )


def _error_names(field: str, names: list[str] | None) -> frozenset[str] | None:
    if names is None:
        return None
    unknown = [name for name in names if name not in ERROR_NAMES]
    if unknown:
        raise errors.InvalidWorkflow(
            f"{field}: {unknown[0]!r} is not an error the engine's tools raise (one of {', '.join(ERROR_NAMES)})"
        )
    return frozenset(names)


def admit_circuit_call(conn: db.Connection, tenant_id: str, function_name: str) -> Admission:
    """Decides whether one call of a tool may run; an open breaker whose isolation passed becomes half-open.

    Args:
        conn: the caller owns the transaction.
        tenant_id: the breaker's tenant.
        function_name: the tool as the task names it, e.g. `tools.http.request`.
    """
    rows = db.execute(conn, "admit_circuit_call", {"tenant_id": tenant_id, "function_name": function_name})
    if not rows:
        return Admission(True, "closed", None, 0, entered_half_open=False)
    row = rows[0]
    rejected = row["state"] == "open" and row["open_until"] > row["now"]
    return Admission(not rejected, row["state"], row["open_until"], row["consecutive_failures"], row["moved"])


def record_circuit_call(
    conn: db.Connection, tenant_id: str, function_name: str, policy: CircuitPolicy, *, failed: bool
) -> str | None:
    """Records the outcome of an admitted call; returns the state the breaker entered, or None if none.

    Args:
        conn: the caller owns the transaction.
        tenant_id: the breaker's tenant.
        function_name: the tool as the task names it.
        policy: the thresholds and isolation that apply to this call.
        failed: the call failed in a way the policy counts.
    """
    rows = db.execute(
        conn,
        "record_circuit_call",
        {
            "tenant_id": tenant_id,
            "function_name": function_name,
            "failed": failed,
            "failure_threshold": policy.failure_threshold,
            "success_threshold": policy.success_threshold,
            "isolation_seconds": policy.isolation_seconds,
        },
    )
    if not rows or rows[0]["state"] == rows[0]["previous_state"]:
        return None
    state: str = rows[0]["state"]
    return state


async def call_through(
    database: db.Database,
    tenant_id: str,
    function_name: str,
    policy: CircuitPolicy,
    body: Callable[[], Awaitable[T]],
) -> T:
    """Runs `body` (one call of the tool) if the tenant's breaker admits it, and records its outcome.

    Raises:
        CircuitOpen: the breaker is open; `body` did not run.
        ToolError: `body` failed; the failure was recorded first.
    """
    admission = await database.run(_admit, tenant_id, function_name)
    if admission.entered_half_open:
        _entered(tenant_id, function_name, "half_open")
    if not admission.admitted:
        metrics.CIRCUIT_REJECTIONS.inc()
        assert admission.open_until is not None  # an open breaker always has its end (a CHECK)
        until = admission.open_until.astimezone(UTC).isoformat(timespec="milliseconds")
        raise errors.CircuitOpen(
            f"circuit breaker for {function_name} is open until {until} after "
            f"{admission.consecutive_failures} failures in a row; the tool was not run"
        )
    try:
        value = await body()
    except errors.ToolError as err:
        await _record(database, tenant_id, function_name, policy, policy.counts_as_failure(err))
        raise
    await _record(database, tenant_id, function_name, policy, False)
    return value


def _admit(conn: db.Connection, tenant_id: str, function_name: str) -> Admission:
    with conn.transaction():
        return admit_circuit_call(conn, tenant_id, function_name)


async def _record(
    database: db.Database, tenant_id: str, function_name: str, policy: CircuitPolicy, failed: bool
) -> None:
    entered = await database.run(_record_in_transaction, tenant_id, function_name, policy, failed)
    if entered is not None:
        _entered(tenant_id, function_name, entered)


def _record_in_transaction(
    conn: db.Connection, tenant_id: str, function_name: str, policy: CircuitPolicy, failed: bool
) -> str | None:
    with conn.transaction():
        return record_circuit_call(conn, tenant_id, function_name, policy, failed=failed)


def _entered(tenant_id: str, function_name: str, state: str) -> None:
    metrics.CIRCUIT_TRANSITIONS.labels(state=state).inc()
    log = logger.warning if state == "open" else logger.info
    log("circuit breaker for %s of tenant %s is now %s", function_name, tenant_id, state)


# What the API reads and resets: a tenant's breakers, named by their tool function (the "resource key").
STATES = ("closed", "open", "half_open")


def breaker_view(row: db.Row) -> dict[str, Any]:
    """A breaker as the API shows it; `seconds_until_reopen` is the time left before an open one admits a probe."""
    open_until: datetime | None = row["open_until"]
    remaining = None
    if row["state"] == "open" and open_until is not None:
        remaining = round(max(0.0, (open_until - row["now"]).total_seconds()), 3)
    return {
        "resource_key": row["function_name"],
        "state": row["state"],
        "failure_count": row["consecutive_failures"],
        "success_count": row["consecutive_successes"],
        "open_until": None if open_until is None else open_until.isoformat(),
        "seconds_until_reopen": remaining,
        "updated_at": row["updated_at"].isoformat(),
    }


def list_circuit_breakers(
    conn: db.Connection, tenant_id: str, *, state: str | None, after: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` of the tenant's breakers by tool function, after the function `after`, in `state` if given."""
    params = {"tenant_id": tenant_id, "state": state, "after": after, "limit": limit}
    return [breaker_view(row) for row in db.execute(conn, "list_circuit_breakers", params)]


def count_circuit_breakers(conn: db.Connection, tenant_id: str) -> dict[str, int]:
    """How many breakers the tenant has, in all and by state."""
    row = db.execute(conn, "count_circuit_breakers", {"tenant_id": tenant_id})[0]
    return {key: int(row[key]) for key in ("total", "open", "closed", "half_open")}


def get_circuit_breaker(conn: db.Connection, tenant_id: str, function_name: str) -> dict[str, Any]:
    """The tenant's breaker for one tool function.

    Raises:
        NotFound: the tenant has no breaker for it (no call through it failed yet, or it was reset).
    """
    rows = db.execute(conn, "get_circuit_breaker", {"tenant_id": tenant_id, "function_name": function_name})
    if not rows:
        raise errors.NotFound(f"no circuit breaker for {function_name!r}")
    return breaker_view(rows[0])


def reset_circuit_breaker(conn: db.Connection, tenant_id: str, function_name: str) -> str:
    """Closes the tenant's breaker for one tool function, forgetting its counts; returns the state it had.

    Raises:
        NotFound: the tenant has no breaker for it.
    """
    rows = db.execute(conn, "reset_circuit_breaker", {"tenant_id": tenant_id, "function_name": function_name})
    if not rows:
        raise errors.NotFound(f"no circuit breaker for {function_name!r}")
    previous: str = rows[0]["previous_state"]
    logger.info("circuit breaker for %s of tenant %s reset (was %s)", function_name, tenant_id, previous)
    return previous


def reset_circuit_breakers(conn: db.Connection, tenant_id: str) -> int:
    """Closes every breaker of the tenant, forgetting their counts; returns how many there were."""
    reset: int = db.execute(conn, "reset_circuit_breakers", {"tenant_id": tenant_id})[0]["reset"]
    logger.info("%s circuit breaker(s) of tenant %s reset", reset, tenant_id)
    return reset
