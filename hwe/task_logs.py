"""A task attempt's output (stdout, stderr, the tool's own log lines), captured and read back.

The interpreter gives each tool call an `Output`; a tool that runs a process hands it what the process wrote.
`DurableContext.step` takes the capture when the attempt ends and commits it in the statement that commits the
attempt's checkpoint (`queue.checkpoint_steps`), one row per stream: an attempt that wrote nothing writes no row,
and a batch of checkpoints without output runs the statement that stores none.
Each stream keeps at most `STREAM_CAP` bytes: its head and its tail, with a marker saying how many bytes were
cut between them. The read functions serve the API's log views, scoped by tenant and bounded by a limit.
What a tool printed is returned only to its run's tenant; the engine never logs it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import trio
from psycopg.types.json import Jsonb

from hwe import db, errors

STREAMS = ("stdout", "stderr", "log")
STREAM_CAP = 64 * 1024
# The end of a failing command's output usually says why, so the tail gets the larger share.
HEAD_BYTES = 16 * 1024
TAIL_BYTES = STREAM_CAP - HEAD_BYTES
# At most this many of a tenant's newest rows are counted by `summarize_task_logs` (the answer says so).
STATS_ROWS = 100_000
RUN_TASKS = 1000


@dataclass(frozen=True)
class LogRecord:
    """One stream of one attempt: its kept text, the bytes written and the bytes cut out."""

    stream: str
    content: str
    size_bytes: int
    dropped_bytes: int


@dataclass(frozen=True)
class AttemptOutput:
    """What one attempt of a task wrote, committed with its checkpoint."""

    tenant_id: str
    task_id: str
    attempt: int
    tool: str
    seconds: float
    records: tuple[LogRecord, ...]


class _Stream:
    """The head and the tail of what was written to one stream, and how much was written."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.size = 0

    def add(self, data: bytes) -> None:
        self.size += len(data)
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        if len(self.tail) > TAIL_BYTES:
            del self.tail[: len(self.tail) - TAIL_BYTES]

    def record(self, stream: str) -> LogRecord:
        dropped = self.size - len(self.head) - len(self.tail)
        marker = f"\n[... {dropped} bytes dropped ...]\n".encode() if dropped else b""
        # PostgreSQL text holds no NUL character: a process's NUL bytes become U+FFFD.
        text = bytes(self.head + marker + self.tail).decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        return LogRecord(stream, text, self.size, dropped)


class Output:
    """The capture of one tool call's output, taken once per attempt by the durable step that runs it."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        self._streams: dict[str, _Stream] = {}
        self._started = 0.0

    def start(self) -> None:
        """Forgets what an earlier attempt left and starts the attempt's clock."""
        self._streams = {}
        self._started = trio.current_time()

    def add(self, stream: str, data: bytes) -> None:
        """Adds bytes a process wrote to `stream` (stdout or stderr)."""
        if data:
            self._streams.setdefault(stream, _Stream()).add(data)

    def add_file(self, stream: str, path: Path) -> None:
        """Adds a file's content to `stream`, reading only its head and tail however large it is."""
        with path.open("rb") as file:
            size = file.seek(0, 2)
            if size <= STREAM_CAP:
                file.seek(0)
                self.add(stream, file.read())
                return
            file.seek(0)
            head = file.read(HEAD_BYTES)
            file.seek(size - TAIL_BYTES)
            tail = file.read(TAIL_BYTES)
        captured = self._streams.setdefault(stream, _Stream())
        captured.add(head)
        captured.add(tail)
        captured.size += size - len(head) - len(tail)

    def log(self, line: str) -> None:
        """Adds one line of the tool's own log (`log` stream); never a workflow variable's value."""
        self.add("log", (line.rstrip("\n") + "\n").encode())

    def take(self, tenant_id: str | None, task_id: str, attempt: int) -> AttemptOutput | None:
        """What the attempt wrote, ready to commit with its checkpoint; None when it wrote nothing."""
        streams, self._streams = self._streams, {}
        if not streams or tenant_id is None:
            return None
        records = tuple(streams[name].record(name) for name in STREAMS if name in streams)
        return AttemptOutput(tenant_id, task_id, attempt, self.tool, trio.current_time() - self._started, records)


def log_rows(outputs: list[AttemptOutput | None]) -> Jsonb:
    """The log rows of a batch of checkpoint writes, for the statement: `ordinal` is the write's (1-based)."""
    return Jsonb(
        [
            {
                "ordinal": ordinal,
                "tenant_id": output.tenant_id,
                "task_id": output.task_id,
                "attempt": output.attempt,
                "stream": record.stream,
                "content": record.content,
                "size_bytes": record.size_bytes,
                "dropped_bytes": record.dropped_bytes,
                "tool": output.tool,
                "seconds": output.seconds,
            }
            for ordinal, output in enumerate(outputs, start=1)
            if output is not None
            for record in output.records
        ]
    )


def find_log_run(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> db.Row:
    """The tenant's run, as the log views describe it.

    Raises:
        RunNotFound: no such run of this tenant.
    """
    rows = db.execute(conn, "find_log_run", {"tenant_id": tenant_id, "workflow_run_id": workflow_run_id})
    if not rows:
        raise errors.RunNotFound(f"workflow run {workflow_run_id} not found")
    return rows[0]


def list_task_logs(
    conn: db.Connection,
    tenant_id: str,
    workflow_run_id: uuid.UUID,
    *,
    task_id: str | None,
    stream: str | None,
    after: int,
    limit: int,
) -> list[db.Row]:
    """A run's stored output rows in the order they were committed, after the row `after`, at most `limit`."""
    params = {
        "tenant_id": tenant_id,
        "workflow_run_id": workflow_run_id,
        "task_id": task_id,
        "stream": stream,
        "after": after,
        "limit": limit,
    }
    return db.execute(conn, "list_task_logs", params)


def summarize_run_logs(conn: db.Connection, tenant_id: str, workflow_run_ids: list[uuid.UUID]) -> dict[str, db.Row]:
    """For each run (by id), how much output its attempts stored: rows, bytes, truncation, streams."""
    rows = db.execute(conn, "summarize_run_logs", {"tenant_id": tenant_id, "workflow_run_ids": workflow_run_ids})
    return {str(row["workflow_run_id"]): row for row in rows}


def summarize_run_tasks(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> list[db.Row]:
    """Per task of the run that stored output: attempts, rows, bytes and the last attempt's status."""
    params = {"tenant_id": tenant_id, "workflow_run_id": workflow_run_id, "limit": RUN_TASKS}
    return db.execute(conn, "summarize_run_tasks", params)


def list_log_runs(conn: db.Connection, tenant_id: str, filters: dict[str, Any]) -> list[db.Row]:
    """The tenant's runs newest first (keyset after `after_created_at`, `after_id`), filtered, at most `limit`."""
    return db.execute(conn, "list_log_runs", {"tenant_id": tenant_id, **filters})


def summarize_task_logs(
    conn: db.Connection, tenant_id: str, workflow_name: str | None, since: datetime | None, until: datetime | None
) -> db.Row:
    """Counts and bytes of the tenant's stored output, over at most its `STATS_ROWS` newest rows."""
    params = {
        "tenant_id": tenant_id,
        "workflow_name": workflow_name,
        "since": since,
        "until": until,
        "cap": STATS_ROWS,
    }
    return db.execute(conn, "summarize_task_logs", params)[0]
