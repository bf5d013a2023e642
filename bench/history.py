"""The cost curve (issue 14): submit + claim + step cost as the engine's tables fill up with finished runs.

A fresh embedded PostgreSQL, migrated, tenant and queue `bench`. One run of the probe's definition goes through the
real engine first: the template. The rows it left in every table of the `hwe` schema are the inventory of what a
finished run writes, and the fill copies exactly those rows in bulk (`bench/sql/history_fill_runs.sql`) until the
tables hold each checkpoint's number of finished runs (--checkpoints), spread back in time over --history-days;
then VACUUM (ANALYZE) and CHECKPOINT. At each checkpoint a fixed probe runs through the real engine: --probe-runs
runs of --steps counter steps submitted with `hwe.runs.submit_run`, executed by fresh `services.worker` processes,
--repeat times, in turns with the same probe on a control database that keeps the first checkpoint's size. Prints
each figure per checkpoint with its ratio over the control's (the machine's load cancels out) and whether the CPU
cost stays within 20 %; see docs/benchmarks.md.

    python -m bench.history [--checkpoints 1000,10000,100000,1000000] [--probe-runs 300] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench import _highway, _measure
from hwe import db, runs, tenants, tools

DATABASE = "hwe_bench"
CONTROL_DATABASE = "hwe_control"  # stays at the first checkpoint's size; probed alternately, it cancels the load
FILL_BATCH = 25_000  # runs copied per statement (and transaction): a progress line each
WARMUP_RUNS = 20  # run by each checkpoint's fresh workers before the measured repetitions
LIMIT = 0.20  # "flat": within 20 % of the first checkpoint
# (key, label, True when higher is better). The first three are the cost the target is about; the Python/PostgreSQL
# split shows where a change comes from (Python's share does not depend on the tables, so its drift is the noise).
# The wall-clock figures are shown, not judged: on a shared machine they move by more than 20 % between repetitions.
FIGURES = (
    ("submit_cpu_ms_per_run", "submit CPU ms/run", False),
    ("step_cpu_ms_per_step", "claim+step CPU ms/step", False),
    ("cpu_ms_per_step", "total CPU ms/step", False),
    ("python_cpu_ms_per_step", "  of it Python", False),
    ("postgres_cpu_ms_per_step", "  of it PostgreSQL", False),
    ("submit_wall_ms_per_run", "submit wall ms/run", False),
    ("steps_per_second", "steps/s", True),
    ("first_step_p50_ms", "1st step p50 ms", False),
)
COST_FIGURES = ("submit_cpu_ms_per_run", "step_cpu_ms_per_step", "cpu_ms_per_step")
WALL_FIGURES = ("submit_wall_ms_per_run", "steps_per_second", "first_step_p50_ms")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--checkpoints", default="1000,10000,100000,1000000", help="finished runs in the tables at each probe"
    )
    parser.add_argument("--probe-runs", type=int, default=300, help="runs of each measured repetition")
    parser.add_argument("--steps", type=int, default=3, help="counter steps per run")
    parser.add_argument("--repeat", type=int, default=5, help="measured repetitions per checkpoint (median shown)")
    parser.add_argument("--submitters", type=int, default=1, help="threads submitting the probe's runs")
    parser.add_argument(
        "--history-days", type=float, default=7.0, help="the largest checkpoint's runs span this many days"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="runs in flight per worker")
    parser.add_argument("--pool-size", type=int, default=8, help="database connections per worker")
    parser.add_argument("--log-level", default="WARNING", help="the workers' HWE_LOG_LEVEL")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one repetition's runs may take")
    parser.add_argument("--results-dir", type=Path, help="also write the JSON to DIR/history-<YYYY-MM-DD>.json")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    args = parser.parse_args(argv)
    try:
        args.checkpoints = sorted({int(value) for value in args.checkpoints.split(",") if value.strip()})
    except ValueError:
        parser.error(f"--checkpoints takes comma-separated counts, not {args.checkpoints!r}")
    if not args.checkpoints or min(args.checkpoints) < 1:
        parser.error("--checkpoints needs at least one positive count")
    if min(args.probe_runs, args.steps, args.repeat, args.submitters, args.workers) < 1 or args.history_days <= 0:
        parser.error("counts and --history-days must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools.load_builtin_tools()
    with _measure.fresh_server("hwe-bench-history-") as (server, root):
        summary = _run(args, server, root)
    if args.results_dir:
        _measure.write_results(args.results_dir, f"history-{summary['date']}.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        _print_tables(summary)
    return 1 if summary["errors"] else 0


@dataclass
class _Database:
    """One of the bench's databases: where it is, its template run, and how many copies the fill has made."""

    setup: _highway.Setup
    template_id: Any = None
    newest: datetime.datetime | None = None  # the template's created_at: copy i is i spacings older
    copied: int = 0


def _run(args: argparse.Namespace, server: Any, root: Path) -> dict[str, Any]:
    started = time.monotonic()
    history, control = (_Database(_setup(args, server, root, name)) for name in (DATABASE, CONTROL_DATABASE))
    wire = _highway.definition("bench_history", args.steps)
    load_before = os.getloadavg()
    with db.connect(history.setup.url) as conn:
        settings = {row["name"]: row["setting"] for row in _measure.fetch(conn, "read_server_settings")}
    inventory = _run_template(history, wire)
    if _run_template(control, wire) != inventory:
        raise RuntimeError("the template runs of the two databases left different rows")
    _measure.progress(f"a finished run left, per table: {inventory}")
    spacing = datetime.timedelta(days=args.history_days) / max(args.checkpoints)
    first = args.checkpoints[0]
    _measure.progress(f"control database: {first:,} finished runs")
    _fill_to(control, first, inventory, spacing)

    checkpoints: list[dict[str, Any]] = []
    errors: list[str] = []
    for target in args.checkpoints:
        point = _fill_to(history, target, inventory, spacing)
        _measure.progress(f"{point['finished_runs']:,} finished runs, {point['total_bytes'] / 2**20:,.0f} MB: probing")
        point.update(_probe(history, control, wire, args))
        point["figures"] = _medians(point["repetitions"])
        point["control_figures"] = _medians(point["control_repetitions"])
        # Each repetition over the control's next to it: what the machine's load does to both cancels out.
        point["normalized"] = {
            key: _median(
                [
                    rep[key] / other[key]
                    for rep, other in zip(point["repetitions"], point["control_repetitions"], strict=True)
                    if rep.get(key) and other.get(key)
                ]
            )
            for key, *_ in FIGURES
        }
        for name, reps in (("", point["repetitions"]), ("control ", point["control_repetitions"])):
            errors += [f"{target:,}: {name}{rep['error']}" for rep in reps if rep.get("error")]
        _measure.progress("  " + ", ".join(f"{label.strip()} {point['figures'][key]}" for key, label, _ in FIGURES))
        checkpoints.append(point)

    verdicts = _verdicts(checkpoints)
    return {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "postgres": settings,
        "engine_revision": _measure.engine_revision(),
        "options": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "wall_seconds": round(time.monotonic() - started, 1),
        "template_run": str(history.template_id),
        "rows_per_finished_run": inventory,
        "history_spacing_seconds": spacing.total_seconds(),
        "checkpoints": checkpoints,
        "verdicts": verdicts,
        "flat": all(verdicts[key]["met"] for key in COST_FIGURES),
        "errors": errors,
    }


def _setup(args: argparse.Namespace, server: Any, root: Path, database: str) -> _highway.Setup:
    setup = _highway.setup_on(server, database, args, root / "logs")
    _highway.prepare_database(setup)
    return setup


# Tables the template grows that more runs do not: a worker process registers once, a definition is stored once per
# content. The fill copies neither.
_ONCE_NOT_PER_RUN = frozenset({"worker", "workflow_definition"})


def _run_template(database: _Database, wire: dict[str, Any]) -> dict[str, int]:
    """Runs the template through the engine; returns the rows it left per table (the inventory of a finished run)."""
    setup = database.setup
    with db.connect(setup.url) as conn:
        before = _table_rows(conn)
    with _open_workers(setup, "template") as workers:
        (database.template_id,), (template,) = _submit_and_wait(workers, wire, 1)
    if template["state"] != "completed":
        raise RuntimeError(f"the template run ended {template['state']}; see the logs in {setup.log_dir}")
    database.newest = datetime.datetime.fromtimestamp(template["created"], datetime.UTC)
    with db.connect(setup.url) as conn:
        grown = {name: count - before.get(name, 0) for name, count in _table_rows(conn).items()}
    return {name: count for name, count in grown.items() if count and name not in _ONCE_NOT_PER_RUN}


def _medians(repetitions: list[dict[str, Any]]) -> dict[str, float | None]:
    return {key: _median([rep[key] for rep in repetitions if rep.get(key) is not None]) for key, *_ in FIGURES}


def _tables(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every table of the engine schema with its exact rows and its size on disk."""
    tables: list[dict[str, Any]] = _measure.fetch(conn, "history_list_tables")
    for row in tables:
        row["row_count"] = _measure.fetch(conn, "history_count_table", table=f"hwe.{row['table_name']}")[0]["row_count"]
    return tables


def _table_rows(conn: psycopg.Connection[Any]) -> dict[str, int]:
    return {row["table_name"]: row["row_count"] for row in _tables(conn)}


def _fill_to(
    database: _Database, target: int, inventory: dict[str, int], spacing: datetime.timedelta
) -> dict[str, Any]:
    """Copies the template until `target` runs have finished, checks every table grew by its inventory, vacuums.

    Returns what the fill took and the tables after it.
    """
    assert database.newest is not None, "the template runs first"
    queue = db.validate_queue_name(database.setup.queue)
    identifiers = {"tasks": f"hwe.t_{queue}", "runs": f"hwe.r_{queue}", "checkpoints": f"hwe.c_{queue}"}
    with psycopg.connect(database.setup.url, autocommit=True) as conn:
        count = max(0, target - _measure.fetch(conn, "history_count_finished_runs")[0]["finished"])
        rows_before = _table_rows(conn)
        started = time.monotonic()
        first = database.copied + 1
        oldest = database.newest - (first + count) * spacing
        _measure.fetch(conn, "history_create_partitions", {"oldest": oldest, "newest": database.newest})
        done = 0
        while done < count:
            batch = min(FILL_BATCH, count - done)
            params = {
                "template_id": database.template_id,
                "count": batch,
                "first": first + done,
                "newest": database.newest,
                "spacing": spacing,
            }
            _measure.fetch(conn, "history_fill_runs", params, **identifiers)
            done += batch
            elapsed = time.monotonic() - started
            _measure.progress(f"  fill: {done:,} / {count:,} runs copied ({100 * done // count} %), {elapsed:.0f} s")
        database.copied += count
        fill_seconds = time.monotonic() - started
        tables = _tables(conn)
        grown = {row["table_name"]: row["row_count"] - rows_before.get(row["table_name"], 0) for row in tables}
        expected = {name: count * inventory.get(name, 0) for name in grown}
        if grown != expected:
            raise RuntimeError(f"the fill did not write what a finished run writes: {grown} rows, not {expected}")
        maintenance_started = time.monotonic()
        _measure.progress("  VACUUM (ANALYZE), CHECKPOINT")
        conn.execute(_measure.query("history_vacuum"))
        conn.execute(_measure.query("history_checkpoint"))
        finished = _measure.fetch(conn, "history_count_finished_runs")[0]["finished"]
        tables = _tables(conn)  # sizes after the vacuum
    return {
        "target": target,
        "copied": count,
        "fill_seconds": round(fill_seconds, 1),
        "fill_runs_per_second": round(count / fill_seconds) if count and fill_seconds else None,
        "maintenance_seconds": round(time.monotonic() - maintenance_started, 1),
        "finished_runs": finished,
        "tables": tables,
        "total_bytes": sum(row["total_bytes"] or 0 for row in tables),
    }


class _Workers:
    """Fresh worker processes on the bench's queue, with the connections the bench submits and polls through."""

    def __init__(self, setup: _highway.Setup, submitters: int) -> None:
        self.setup = setup
        self.probe = _measure.Probe(setup.admin_url, setup.database)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.submit_connections = [db.connect(setup.url) for _ in range(submitters)]
        self.poll_connection = db.connect(setup.url)
        self.principal = tenants.Principal(tenant_id=setup.tenant_id, role="admin", queue_name=setup.queue)

    def close(self) -> None:
        _highway.stop_processes(self.processes)
        for conn in [*self.submit_connections, self.poll_connection]:
            conn.close()


@contextlib.contextmanager
def _open_workers(setup: _highway.Setup, label: str, submitters: int = 1) -> Iterator[_Workers]:
    workers = _Workers(setup, submitters)
    try:
        workers.processes = _highway.start_workers(setup, f"{setup.database}-{label}")
        _highway.wait_workers_ready(setup, workers.probe, workers.processes)
        yield workers
    finally:
        workers.close()
        _measure.wait_stats_reported_after(workers.probe)
        workers.probe.close()


def _submit_and_wait(workers: _Workers, wire: dict[str, Any], count: int) -> tuple[list[Any], list[dict[str, Any]]]:
    """Submits `count` runs from the submitting threads and waits until they finished; returns their ids and rows."""
    run_ids = _submit(workers, wire, count)[0]
    return run_ids, _wait_finished(workers, run_ids, time.time() + workers.setup.timeout_seconds)


def _submit(workers: _Workers, wire: dict[str, Any], count: int) -> tuple[list[Any], float]:
    request_hash = hashlib.sha256(json.dumps(wire, sort_keys=True).encode()).hexdigest()

    def submit(thread: int, n: int) -> list[Any]:
        conn = workers.submit_connections[thread]
        return [
            runs.submit_run(
                conn,
                workers.principal,
                definition=wire,
                inputs={},
                idempotency_key=None,
                request_hash=request_hash,
                max_attempts=_highway.MAX_ATTEMPTS,
            ).workflow_run_id
            for _ in range(n)
        ]

    return _measure.submit_in_threads(submit, count, len(workers.submit_connections), workers.setup.timeout_seconds)


def _wait_finished(workers: _Workers, run_ids: list[Any], deadline: float) -> list[dict[str, Any]]:
    conn = workers.poll_connection
    while _measure.fetch(conn, "count_unfinished_highway_runs", {"run_ids": run_ids})[0]["unfinished"]:
        if time.time() > deadline:
            break
        time.sleep(_highway.POLL_SECONDS)
    checkpoints = f"hwe.c_{db.validate_queue_name(workers.setup.queue)}"
    rows: list[dict[str, Any]] = _measure.fetch(
        conn, "read_highway_runs", {"run_ids": run_ids}, checkpoints=checkpoints
    )
    return rows


def _probe(history: _Database, control: _Database, wire: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The probe at one checkpoint: fresh workers on both databases, a warm-up, then `--repeat` repetitions each,
    the history database's and the control's alternately.

    Also each database's shared-buffer hits and reads per step over the whole probe (warm-up and the workers'
    start included), per table: read before the workers start and after their backends exited.
    """
    io_before = [_read_table_io(database) for database in (history, control)]
    repetitions: list[dict[str, Any]] = []
    control_repetitions: list[dict[str, Any]] = []
    with (
        _open_workers(history.setup, "probe", args.submitters) as workers,
        _open_workers(control.setup, "probe", args.submitters) as control_workers,
    ):
        _submit_and_wait(workers, wire, WARMUP_RUNS)
        _submit_and_wait(control_workers, wire, WARMUP_RUNS)
        for index in range(args.repeat):
            # In turns first and second (ABBA), so that the order within a pair cancels out too.
            pair = [(repetitions, workers), (control_repetitions, control_workers)]
            for results, on in pair if index % 2 == 0 else reversed(pair):
                results.append(_measure_once(on, wire, args.probe_runs, args.steps))
    io_after = [_read_table_io(database) for database in (history, control)]
    steps = (WARMUP_RUNS + args.repeat * args.probe_runs) * args.steps
    buffers = [_buffers_per_step(before, after, steps) for before, after in zip(io_before, io_after, strict=True)]
    return {
        "repetitions": repetitions,
        "control_repetitions": control_repetitions,
        "buffers_per_step": buffers[0],
        "control_buffers_per_step": buffers[1],
    }


def _read_table_io(database: _Database) -> dict[str, dict[str, int]]:
    with db.connect(database.setup.url) as conn:
        return {row["table_name"]: row for row in _measure.fetch(conn, "history_read_table_io")}


def _buffers_per_step(
    before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], steps: int
) -> dict[str, Any]:
    by_table = {
        name: {key: round((row[key] - before.get(name, {}).get(key, 0)) / steps, 2) for key in ("hit", "read")}
        for name, row in after.items()
    }
    by_table = {name: io for name, io in by_table.items() if io["hit"] or io["read"]}
    return {
        "hit": round(sum(io["hit"] for io in by_table.values()), 2),
        "read": round(sum(io["read"] for io in by_table.values()), 2),
        "by_table": by_table,
    }


def _measure_once(workers: _Workers, wire: dict[str, Any], count: int, steps: int) -> dict[str, Any]:
    """One repetition: `count` runs submitted and finished; CPU from /proc (workers and PostgreSQL backends)."""
    submit_pids = {conn.info.backend_pid for conn in workers.submit_connections}
    poll_pids = {workers.poll_connection.info.backend_pid}
    workers.probe.start_backend_cpu()
    cpu_before = {w.pid: _measure.process_cpu_seconds(w.pid) for w in workers.processes}
    started = time.time()
    run_ids, submit_cpu = _submit(workers, wire, count)
    submit_seconds = time.time() - started
    rows = _wait_finished(workers, run_ids, started + workers.setup.timeout_seconds)
    worker_cpu = sum(_measure.process_cpu_seconds(w.pid) - cpu_before[w.pid] for w in workers.processes)
    backends_cpu = workers.probe.backend_cpu_since_start()
    submit_pg = workers.probe.backend_cpu_since_start(submit_pids)
    worker_pg = backends_cpu - submit_pg - workers.probe.backend_cpu_since_start(poll_pids)
    done = [row for row in rows if row["state"] == "completed"]
    total_steps = count * steps
    figures: dict[str, Any] = {
        "runs": count,
        "completed": len(done),
        "submit_seconds": round(submit_seconds, 3),
        "submit_python_cpu_seconds": round(submit_cpu, 3),
        "submit_postgres_cpu_seconds": round(submit_pg, 3),
        "worker_python_cpu_seconds": round(worker_cpu, 3),
        "worker_postgres_cpu_seconds": round(worker_pg, 3),
        "submit_wall_ms_per_run": round(1000 * submit_seconds * len(workers.submit_connections) / count, 3),
        "submit_cpu_ms_per_run": round(1000 * (submit_cpu + submit_pg) / count, 3),
        "step_cpu_ms_per_step": round(1000 * (worker_cpu + worker_pg) / total_steps, 3),
        "cpu_ms_per_step": round(1000 * (submit_cpu + submit_pg + worker_cpu + worker_pg) / total_steps, 3),
        "python_cpu_ms_per_step": round(1000 * (submit_cpu + worker_cpu) / total_steps, 3),
        "postgres_cpu_ms_per_step": round(1000 * (submit_pg + worker_pg) / total_steps, 3),
        "steps_per_second": None,
        "first_step_p50_ms": None,
    }
    if done:
        figures["steps_per_second"] = round(len(done) * steps / (max(row["finished"] for row in done) - started), 1)
        latency = _measure.percentiles_ms([row["first_step"] - row["created"] for row in done if row["first_step"]])
        figures["first_step_ms"] = latency
        figures["first_step_p50_ms"] = latency["p50"] if latency else None
    if len(done) < count:
        states = sorted({row["state"] for row in rows if row["state"] != "completed"})
        figures["error"] = f"{count - len(done)} of {count} run(s) did not complete ({', '.join(states) or 'gone'})"
    return figures


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _verdicts(checkpoints: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each figure's ratio to the first checkpoint's size at every checkpoint, the worst one, and if it stays flat.

    The ratio (`ratios`) is the figure over the control database's, which has the first checkpoint's size and is
    measured alternately with it, so the machine's changing load cancels out. At the first checkpoint both databases
    have the same size: its ratio is the noise floor, and the verdict is on the later ones. The plain ratio of each
    figure to the first checkpoint's is kept too (`raw_ratios`).
    """
    verdicts: dict[str, dict[str, Any]] = {}
    for key, label, higher_is_better in FIGURES:
        ratios = []
        for point in checkpoints:
            value, base = point["figures"][key], checkpoints[0]["figures"][key]
            point.setdefault("raw_ratios", {})[key] = round(value / base, 3) if value is not None and base else None
            point.setdefault("ratios", {})[key] = point["normalized"][key]
            if point is not checkpoints[0] and point["ratios"][key] is not None:
                ratios.append((point["ratios"][key], point["finished_runs"]))
        if not ratios:
            verdicts[key] = {"label": label, "met": False, "worst_ratio": None, "at": None, "over_by_percent": None}
            continue
        worst, at = min(ratios) if higher_is_better else max(ratios)
        over = (1 - LIMIT - worst) if higher_is_better else (worst - 1 - LIMIT)
        verdicts[key] = {
            "label": label,
            "met": over <= 0,
            "worst_ratio": worst,
            "at": at,
            "over_by_percent": round(100 * over, 1) if over > 0 else 0.0,
        }
    return verdicts


def _print_tables(summary: dict[str, Any]) -> None:
    options, postgres, points = summary["options"], summary["postgres"], summary["checkpoints"]
    print(
        f"Cost curve: {options['probe_runs']} runs x {options['steps']} counter steps per repetition, median of "
        f"{options['repeat']}; {options['submitters']} submitter(s), {options['workers']} worker(s) per database; "
        f"PostgreSQL {postgres.get('server_version', '?')}, fsync {postgres.get('fsync', '?')}; revision "
        f"{summary['engine_revision']}; {summary['wall_seconds']:.0f} s in all"
    )
    width = 21

    def row(label: str, cells: list[str], tail: str = "") -> None:
        print(f"{label:<24}" + "".join(cell.rjust(width) for cell in cells) + tail)

    row("finished runs", [f"{p['finished_runs']:,}" for p in points], "  flat within 20 % (after the first)")
    for key, label, _ in FIGURES:
        cells = []
        for point in points:
            ratio = point["ratios"][key]
            cells.append(f"{point['figures'][key]} ({'-' if ratio is None else f'{ratio:.2f}x'})")
        verdict = summary["verdicts"][key]
        status = "met" if verdict["met"] else f"MISSED (by {verdict['over_by_percent']} %)"
        if key in WALL_FIGURES:
            status = f"(wall clock, not judged: {status})"
        row(label + (" *" if key in COST_FIGURES else ""), cells, f"  {status}")
    for kind in ("hit", "read"):
        row(f"buffers {kind}/step", [f"{p['buffers_per_step'][kind]}" for p in points])
    row("tables MB", [f"{p['total_bytes'] / 2**20:,.0f}" for p in points])
    print(
        "* the cost the target is about. (1.05x): the figure over the control database's (the first checkpoint's "
        "size), probed alternately; at the first checkpoint it is the noise. buffers: shared-buffer hits and reads "
        "(from the kernel) per step"
    )
    print(f"the control database ({CONTROL_DATABASE}: the first checkpoint's runs plus the probes'), same figures:")
    for key, label, _ in FIGURES:
        row(label, [f"{point['control_figures'][key]}" for point in points])
    for kind in ("hit", "read"):
        row(f"buffers {kind}/step", [f"{p['control_buffers_per_step'][kind]}" for p in points])
    print("rows / MB (with TOAST and indexes) of the tables a finished run writes:")
    for name in summary["rows_per_finished_run"]:
        cells = []
        for point in points:
            table = next(table for table in point["tables"] if table["table_name"] == name)
            cells.append(f"{table['row_count']:,} / {(table['total_bytes'] or 0) / 2**20:,.1f}")
        row(f"  {name}", cells)
    for error in summary["errors"]:
        print(f"ERROR {error}")


if __name__ == "__main__":
    sys.exit(main())
