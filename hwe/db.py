"""Connections, explicit transactions and the SQL loader.

Every statement the engine runs lives in `hwe/sql/queries/<name>.sql` and is run by `execute()`.
Queue statements name their tables as `{tasks}`, `{runs}`, `{checkpoints}`, `{events}` and
`{waits}`; they are bound to one queue's tables with `psycopg.sql.Identifier`. Connections are in
autocommit mode, so a transaction exists only where the caller opens `conn.transaction()`.
This is also the one place that turns our SQLSTATEs into `hwe.errors` classes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import psycopg_pool
import trio
from psycopg import sql
from psycopg.rows import dict_row

from hwe import errors, metrics

QUERY_DIR = Path(__file__).parent / "sql" / "queries"
_QUEUE_TABLES = {"tasks": "t_", "runs": "r_", "checkpoints": "c_", "events": "e_", "waits": "w_"}
_QUEUE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_SQLSTATE_ERRORS: dict[str, type[errors.HighwayError]] = {
    "HW001": errors.FencingLost,
    "HW002": errors.InvalidWorkflow,
    "HW003": errors.InvalidEvent,
    "HW010": errors.AppendOnlyViolation,
}

# The DB-API classes, most specific first (every one derives from DatabaseError but InterfaceError).
_DBAPI_ERRORS: tuple[type[psycopg.Error], ...] = (
    psycopg.OperationalError,
    psycopg.IntegrityError,
    psycopg.ProgrammingError,
    psycopg.DataError,
    psycopg.InternalError,
    psycopg.NotSupportedError,
    psycopg.InterfaceError,
)

Connection = psycopg.Connection[dict[str, Any]]
Row = dict[str, Any]
T = TypeVar("T")


def open_pool(url: str, size: int) -> psycopg_pool.ConnectionPool[Connection]:
    """Opens a pool of autocommit connections that return rows as dicts.

    Args:
        url: the PostgreSQL connection URL.
        size: the number of connections; callers offload to threads with a limiter of this size.
    """
    pool = psycopg_pool.ConnectionPool(
        url,
        min_size=1,
        max_size=size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        connection_class=psycopg.Connection,
        open=True,
        name="hwe",
    )
    metrics.DB_POOLS.track(pool)
    return pool


def connect(url: str) -> Connection:
    """Opens one autocommit connection that returns rows as dicts (for the CLI and LISTEN)."""
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def validate_queue_name(queue: str) -> str:
    """Returns the queue name, or raises ValueError when it is not a valid queue name."""
    if not _QUEUE_NAME.match(queue):
        raise ValueError(f"invalid queue name {queue!r}: lowercase letters, digits and _, at most 41")
    return queue


@functools.cache
def query(name: str, queue: str | None = None) -> bytes:
    """Loads `sql/queries/<name>.sql`, bound to one queue's tables when `queue` is given, as the bytes to send.

    Rendered once per statement and queue, and without its full-line `--` comments: psycopg caches the
    parsing of its placeholders only for statements of at most 4 KiB, and re-renders a `Composed` on every
    execute (together about 20 µs a call for the claim). A statement file has no multi-line string literal.
    """
    lines = (QUERY_DIR / f"{name}.sql").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("--"))
    if queue is None:
        return text.encode()
    validate_queue_name(queue)
    names = {key: sql.Identifier("hwe", prefix + queue) for key, prefix in _QUEUE_TABLES.items()}
    names["channel"] = sql.Identifier(queue_channel(queue))
    return sql.SQL(text).format(**names).as_bytes(None)


def execute(
    conn: Connection, name: str, params: Mapping[str, Any] | None = None, *, queue: str | None = None
) -> list[Row]:
    """Runs one named statement and returns its rows (empty when it returns none).

    Raises:
        HighwayError: the subclass mapped from one of our SQLSTATEs.
        psycopg.Error: any other database error, unchanged.
    """
    try:
        cursor = conn.execute(query(name, queue), params)
        return cursor.fetchall() if cursor.description is not None else []
    except psycopg.Error as err:
        mapped = _SQLSTATE_ERRORS.get(err.sqlstate or "")
        if mapped is None:
            metrics.DB_ERRORS.labels(_error_class(err)).inc()
            raise
        raise mapped(err.diag.message_primary or str(err)) from err


def _error_class(err: psycopg.Error) -> str:
    """The DB-API class of a driver error (OperationalError, IntegrityError, ...), a label with few values."""
    for kind in _DBAPI_ERRORS:
        if isinstance(err, kind):
            return kind.__name__
    return "Error"


def queue_channel(queue: str) -> str:
    """The LISTEN/NOTIFY channel on which a queue announces new or woken work."""
    return f"hwe_queue_{validate_queue_name(queue)}"


def require_transaction(conn: Connection) -> None:
    """Refuses to run a change of several statements outside a transaction: the caller owns the transaction.

    Raises:
        RuntimeError: the connection has no transaction open (a programming error, never the user's).
    """
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("this change must run inside the caller's transaction (with conn.transaction())")


def with_connection(pool: psycopg_pool.ConnectionPool[Connection], fn: Callable[..., T], *args: Any) -> T:
    """Runs `fn(conn, *args)` on a pooled connection; `fn` opens its own transactions."""
    try:
        with pool.connection() as conn:
            return fn(conn, *args)
    except psycopg_pool.PoolTimeout:  # no connection within the pool's timeout: the database is out of reach
        metrics.DB_ERRORS.labels("PoolTimeout").inc()
        raise


class Database:
    """A connection pool and the limiter that keeps trio's worker threads within the pool size.

    Trio code runs every database call through `run`, which offloads the sync call to a thread.
    """

    def __init__(self, pool: psycopg_pool.ConnectionPool[Connection], size: int) -> None:
        self.pool = pool
        self.limiter = trio.CapacityLimiter(size)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs `fn(conn, *args)` on a pooled connection in a worker thread."""
        call = functools.partial(with_connection, self.pool, fn, *args)
        return await trio.to_thread.run_sync(call, limiter=self.limiter)
