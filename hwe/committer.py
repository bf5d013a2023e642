"""Group commit: the writes of the runs one worker executes, several runs' in one transaction.

The worker opens one Committer and every run it executes sends its step checkpoints and its outcome through
`write`. A loop takes every write queued while the previous transaction was committing and runs them all in
one transaction on one pooled connection, so N runs finishing steps in the same tick cost one commit and one
thread hop instead of N. Each write is still fenced on its own (its statement checks run id + fencing
token), and a caller hears "committed" only after the shared COMMIT succeeded. Writes given the same `combine`
(the checkpoints) run as one call of it: one multi-row statement whose rows are each fenced on their own, so a
refused one raises to its caller only while the others commit. When any write of a batch
raises (a lost fence, a database error), the batch is rolled back and each of its writes is run again in a
transaction of its own, so one run's failure never undoes another's checkpoint. Not for writes that take
locks other runs' writes may take in another order (event names): those go `alone`. Never claims.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import psycopg
import trio

from hwe import db

logger = logging.getLogger(__name__)
T = TypeVar("T")
# A write that deadlocked with another session runs again up to this many times before its caller hears it.
DEADLOCK_ATTEMPTS = 3


# Writes several callers' values in one call and returns each one's outcome, in order: its result, or the
# exception of a value it refused having written nothing for it (the others' writes stand).
Combine = Callable[[db.Connection, list[Any]], list[Any]]


class _Write(Generic[T]):
    """One caller's write: the function to run in a transaction (or the combining one), and what came of it."""

    def __init__(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        alone: bool,
        one_statement: bool,
        combine: Combine | None = None,
    ) -> None:
        self.fn = fn
        self.args = args
        self.alone = alone
        self.one_statement = one_statement
        self.combine = combine
        self.done = trio.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


class Committer:
    """Commits the writes of many runs in shared transactions; `serve` must run while anyone writes."""

    def __init__(self, database: db.Database, max_batch: int = 64) -> None:
        self._database = database
        self._max_batch = max_batch
        self._send, self._receive = trio.open_memory_channel[_Write[Any]](math.inf)
        self._batches = 0
        self._writes = 0

    async def write(self, fn: Callable[..., T], *args: Any, alone: bool = False, one_statement: bool = False) -> T:
        """Runs `fn(conn, *args)` in a transaction (shared with other runs' writes unless `alone`), once committed.

        `fn` must not open a transaction itself, and may run twice: a second time, in a transaction of its own,
        when another write of its batch failed (the first run was rolled back). Like a thread offload, the
        write is not abandoned when the caller is cancelled: it completes, then the cancellation is delivered.
        `one_statement` says `fn` runs a single statement (or writes nothing when it raises), so when it is
        committed by itself it runs as its own implicit transaction: one round trip instead of three.

        Raises:
            Exception: what `fn` or the commit raised.
        """
        return await self._wait(_Write(fn, args, alone, one_statement))

    async def _wait(self, item: _Write[T]) -> T:
        self._send.send_nowait(item)
        with trio.CancelScope(shield=True):
            await item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[return-value]  # set by the loop when no error was

    async def write_combined(self, combine: Combine, value: Any) -> Any:
        """Writes `value` through `combine(conn, values)`, one call for every value of a batch given the same one.

        `combine` must run one statement when given one value (it then commits by itself) and return one outcome
        per value: an exception outcome is raised to that value's caller only, and must mean nothing was
        written for it. What `write` says about replays and cancellation holds here too.

        Raises:
            Exception: this value's exception outcome, or what `combine` or the commit raised.
        """
        item: _Write[Any] = _Write(_combine_one, (combine, value), False, True, combine)
        return await self._wait(item)

    async def serve(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Commits queued writes until cancelled; cancel it only once no run can write any more."""
        task_status.started()
        async with self._receive:
            while True:
                batch = [await self._receive.receive()]
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._receive.receive_nowait())
                    except trio.WouldBlock:
                        break
                try:
                    await self._database.run(_commit_batch, batch)
                except BaseException as err:  # no connection, or cancelled: every waiting writer hears it
                    for item in batch:
                        if not item.done.is_set():
                            item.error = item.error or err
                            item.done.set()
                    if not isinstance(err, Exception):
                        raise
                    continue
                self._batches += 1
                self._writes += len(batch)
                for item in batch:
                    item.done.set()

    def statistics(self) -> dict[str, int]:
        """Batches committed and the writes they held (their ratio is the writes per commit)."""
        return {"batches": self._batches, "writes": self._writes}


def _commit_batch(conn: db.Connection, batch: list[_Write[Any]]) -> None:
    shared = [item for item in batch if not item.alone]
    alone = [item for item in batch if item.alone]
    if len(shared) > 1:
        try:
            with conn.transaction():
                outcomes = _run_shared(conn, shared)
        except Exception as err:  # rolled back as a whole: each write again, alone, so only the faulty one fails
            logger.debug("a batch of %s writes rolled back (%s); committing them one by one", len(shared), err)
            alone = shared + alone
        else:
            for item, (result, error) in outcomes.items():
                item.result, item.error = result, error
    else:
        alone = shared + alone
    for item in alone:
        _commit_alone(conn, item)


def _run_shared(conn: db.Connection, shared: list[_Write[Any]]) -> dict[_Write[Any], tuple[Any, Exception | None]]:
    """Runs a batch's writes in the open transaction, those with the same `combine` in one call of it."""
    outcomes: dict[_Write[Any], tuple[Any, Exception | None]] = {}
    combined: dict[Combine, list[_Write[Any]]] = {}
    for item in shared:
        if item.combine is None:
            outcomes[item] = (item.fn(conn, *item.args), None)
        else:
            combined.setdefault(item.combine, []).append(item)
    for combine, items in combined.items():
        for item, outcome in zip(items, combine(conn, [item.args[1] for item in items]), strict=True):
            outcomes[item] = (None, outcome) if isinstance(outcome, Exception) else (outcome, None)
    return outcomes


def _combine_one(conn: db.Connection, combine: Combine, value: Any) -> Any:
    """One combined write on its own: its outcome, or its exception raised."""
    outcome = combine(conn, [value])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _commit_alone(conn: db.Connection, item: _Write[Any]) -> None:
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            if item.one_statement:  # the connection is in autocommit: the statement commits itself
                item.result = item.fn(conn, *item.args)
            else:
                with conn.transaction():
                    item.result = item.fn(conn, *item.args)
        except psycopg.errors.DeadlockDetected as err:
            # PostgreSQL rolled this side back so the other could commit: running it again is then safe.
            logger.debug("a write deadlocked (attempt %s of %s)", attempt, DEADLOCK_ATTEMPTS)
            item.error = err
            continue
        except Exception as err:
            item.error = err
        else:
            item.error = None
        return
