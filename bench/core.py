"""The engine's core against DBOS Transact, on the same embedded PostgreSQL in the same run (`make bench`).

Shape 1: N workflows of 3 no-op steps, started together. Shape 2: one workflow of 500 sequential steps.
Highway runs them with real worker processes; DBOS (the baseline) in one process with `DBOS.start_workflow`.
Each engine has its own database on one fresh server (default durability: fsync on). Prints steps/s, commits
per step, CPU per step and, for shape 1, submit → first-step latency, with Highway/DBOS ratios. The machines
are shared and noisy: read the ratios, not the absolute numbers. See docs/benchmarks.md.

    python -m bench.core [--workflows 200] [--chain-steps 500] [--submitters 1] [--workers 2] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from bench import _dbos, _highway, _measure, _report
from hwe import embedded, tools

HIGHWAY_DATABASE = "hwe_bench"
DBOS_DATABASE = "dbos_bench"
TENANT = "bench"
QUEUE = "bench"
REPO_ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=200, help="shape 1: workflows started together")
    parser.add_argument("--fanout-steps", type=int, default=3, help="shape 1: steps per workflow")
    parser.add_argument("--chain-steps", type=int, default=500, help="shape 2: steps of the one workflow")
    parser.add_argument("--shapes", default="1,2", help="which shapes to run, e.g. 1 or 1,2")
    parser.add_argument(
        "--submitters", type=int, default=1, help="threads that submit shape 1's workflows (both engines; default 1)"
    )
    parser.add_argument("--workers", type=int, default=2, help="Highway worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="runs in flight per Highway worker")
    parser.add_argument("--pool-size", type=int, default=8, help="database connections per Highway worker")
    parser.add_argument("--log-level", default="WARNING", help="Highway workers' log level (DBOS: WARNING)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="repetitions of every engine and shape (the median is shown)"
    )
    parser.add_argument("--skip-dbos", action="store_true", help="run Highway alone")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one engine may take for one shape")
    parser.add_argument("--keep-logs", type=Path, help="copy the workers' and DBOS's logs into this directory")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = parser.parse_args(argv)
    counts = (args.workflows, args.fanout_steps, args.chain_steps, args.workers, args.submitters, args.repeat)
    if min(counts) < 1:
        parser.error("counts must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools.load_builtin_tools()
    shapes = {
        "1": (args.workflows, args.fanout_steps),
        "2": (1, args.chain_steps),
    }
    wanted = [shape.strip() for shape in args.shapes.split(",") if shape.strip()]
    if not wanted or any(shape not in shapes for shape in wanted):
        print(f"--shapes takes 1, 2 or 1,2, not {args.shapes!r}", file=sys.stderr)
        return 2
    baseline_missing = "skipped (--skip-dbos)" if args.skip_dbos else _dbos.missing_reason()

    root = Path(tempfile.mkdtemp(prefix="hwe-bench-"))
    log_dir = root / "logs"
    log_dir.mkdir()
    _progress(f"starting a fresh embedded PostgreSQL in {root}")
    server = embedded.start_server(root / "pgdata", delete_on_exit=True)
    try:
        summary = _run(args, wanted, shapes, server, log_dir, baseline_missing)
    finally:
        if args.keep_logs:
            _copy_logs(log_dir, args.keep_logs)
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        _report.print_json(summary)
    else:
        _report.print_table(summary)
    failed = any(run["error"] for run in summary["runs"] if run["engine"] == "highway")
    return 1 if failed else 0


def _run(
    args: argparse.Namespace,
    wanted: list[str],
    shapes: dict[str, tuple[int, int]],
    server: Any,
    log_dir: Path,
    baseline_missing: str | None,
) -> dict[str, Any]:
    admin_url = embedded.server_url(server)
    setup = _highway.Setup(
        admin_url=admin_url,
        url=embedded.server_url(server, HIGHWAY_DATABASE),
        database=HIGHWAY_DATABASE,
        tenant_id=TENANT,
        queue=QUEUE,
        workers=args.workers,
        concurrency=args.concurrency,
        pool_size=args.pool_size,
        log_level=args.log_level,
        log_dir=log_dir,
        timeout_seconds=args.timeout,
    )
    server_settings = _prepare_databases(admin_url, setup)
    load_before = os.getloadavg()

    results: list[_measure.ShapeResult] = []
    for shape in wanted:
        workflows, steps = shapes[shape]
        for attempt in range(args.repeat):
            tag = f"{shape}" if args.repeat == 1 else f"{shape}.{attempt + 1}"
            _progress(f"shape {tag}: Highway, {workflows} workflow(s) x {steps} steps")
            results.append(_run_highway(setup, shape, workflows, steps, args.submitters))
            results[-1].repetition = attempt + 1
            _progress(f"  {_report.one_line(results[-1])}")
            if baseline_missing is None:
                _progress(f"shape {tag}: DBOS, {workflows} workflow(s) x {steps} steps")
                results.append(
                    _dbos.run_shape(
                        admin_url=admin_url,
                        url=embedded.server_url(server, DBOS_DATABASE),
                        database=DBOS_DATABASE,
                        shape=shape,
                        workflows=workflows,
                        steps=steps,
                        submitters=args.submitters,
                        log_dir=log_dir,
                        timeout_seconds=args.timeout,
                    )
                )
                results[-1].repetition = attempt + 1
                _progress(f"  {_report.one_line(results[-1])}")

    dbos_runs = [result for result in results if result.engine == "dbos"]
    if dbos_runs and all(result.error for result in dbos_runs):
        baseline_missing = f"every DBOS run failed, e.g. {dbos_runs[0].error} (logs: --keep-logs DIR)"
    summary = {
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "postgres": server_settings,
        "engine_revision": _engine_revision(),
        "dbos_version": _dbos.version(),
        "baseline_missing": baseline_missing,
        "options": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "shapes": {shape: _report.summarize_shape(shape, results) for shape in wanted},
        "runs": [result.as_dict() for result in results],
    }
    return summary


def _run_highway(
    setup: _highway.Setup, shape: str, workflows: int, steps: int, submitters: int
) -> _measure.ShapeResult:
    try:
        return _highway.run_shape(setup, shape, workflows, steps, submitters)
    except Exception as err:  # reported in the results; the other runs go on
        return _measure.ShapeResult("highway", shape, workflows, steps, error=f"{type(err).__name__}: {err}")


def _prepare_databases(admin_url: str, setup: _highway.Setup) -> dict[str, str]:
    _highway.prepare_database(setup)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(_measure.query("create_database", database=DBOS_DATABASE))
        return {row["name"]: row["setting"] for row in _measure.fetch(conn, "read_server_settings")}


def _engine_revision() -> str:
    """The checked-out commit, marked `+changes` when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+changes" if status.strip() else head


def _copy_logs(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
