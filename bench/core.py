"""The engine's core against DBOS Transact, on the same embedded PostgreSQL in the same run (`make bench`).

Shape 1: N workflows of 3 no-op steps, started together. Shape 2: one workflow of 500 sequential steps, beside
the single-client commit ceiling pgbench measures on the same server. Shape c: a few workflows, each a fan-out of
100 parallel one-step children joined. Shape d: short chains submitted at a steady rate (latency p50/p95/p99).
Shape e: the REST path (Highway only, `bench.rest`'s phases). Highway runs with real worker processes; DBOS (the
baseline) in one process with `DBOS.start_workflow`. Each engine has its own database on one fresh server
(default durability: fsync on). Prints steps/s, commits per step, CPU per step and latencies with Highway/DBOS
ratios, and issue 14's targets as met or MISSED. The machines are shared and noisy: read the ratios, not the
absolute numbers. See docs/benchmarks.md.

    python -m bench.core [--shapes 1,2,c,d,e] [--workflows 200] [--chain-steps 500] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import _dbos, _highway, _measure, _report, rest
from hwe import embedded, tools

HIGHWAY_DATABASE = "hwe_bench"
DBOS_DATABASE = "dbos_bench"
CEILING_DATABASE = "pgbench_ceiling"
CEILING_CLIENTS = 8  # the multi-client pgbench run, for context: how far group commit takes the server
SHAPES = ("1", "2", "c", "d", "e")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="which shapes to run, e.g. 1,2 (default: all)")
    parser.add_argument("--workflows", type=int, default=200, help="shape 1: workflows started together")
    parser.add_argument("--fanout-steps", type=int, default=3, help="shape 1: steps per workflow")
    parser.add_argument("--chain-steps", type=int, default=500, help="shape 2: steps of the one workflow")
    parser.add_argument("--c-workflows", type=int, default=5, help="shape c: fan-out workflows started together")
    parser.add_argument("--c-children", type=int, default=100, help="shape c: parallel children per workflow")
    parser.add_argument(
        "--c-operator",
        choices=("parallel", "foreach"),
        default="parallel",
        help="shape c: Highway's fan-out, parallel branches (child runs) or a parallel foreach (in one run)",
    )
    parser.add_argument("--d-rate", type=float, default=100.0, help="shape d: runs/s offered")
    parser.add_argument("--d-seconds", type=float, default=5.0, help="shape d: how long the rate is offered")
    parser.add_argument("--d-steps", type=int, default=3, help="shape d: steps per workflow")
    parser.add_argument("--d-threads", type=int, default=2, help="shape d: submitting threads (both engines)")
    parser.add_argument("--e-runs", type=int, default=1000, help="shape e: runs of the REST throughput phase")
    parser.add_argument("--e-rate", type=float, default=300.0, help="shape e: runs/s offered in the latency phase")
    parser.add_argument("--e-seconds", type=float, default=5.0, help="shape e: how long that rate is offered")
    parser.add_argument("--e-threads", type=int, default=8, help="shape e: HTTP client threads")
    parser.add_argument(
        "--pgbench-seconds", type=float, default=5.0, help="with shape 2: seconds of each pgbench ceiling run (0: none)"
    )
    parser.add_argument(
        "--submitters", type=int, default=1, help="threads that submit shape 1's and c's workflows (both engines)"
    )
    parser.add_argument("--workers", type=int, default=2, help="Highway worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="runs in flight per Highway worker")
    parser.add_argument("--pool-size", type=int, default=8, help="database connections per Highway worker")
    parser.add_argument("--log-level", default="WARNING", help="Highway workers' log level (DBOS: WARNING)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="repetitions of every engine and shape but e (the median is shown)"
    )
    parser.add_argument("--skip-dbos", action="store_true", help="run Highway alone")
    parser.add_argument(
        "--stats-wait",
        type=float,
        default=_measure.STATS_BEFORE_SECONDS,
        help="seconds between the engines' start and their windows; shorter counts start-up work in the figures",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one engine may take for one shape")
    parser.add_argument("--keep-logs", type=Path, help="copy the workers' and DBOS's logs into this directory")
    parser.add_argument("--results-dir", type=Path, help="also write the JSON results to DIR/<YYYY-MM-DD>.json")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = parser.parse_args(argv)
    counts = (
        args.workflows,
        args.fanout_steps,
        args.chain_steps,
        args.c_workflows,
        args.c_children,
        args.d_steps,
        args.d_threads,
        args.e_runs,
        args.e_threads,
        args.workers,
        args.submitters,
        args.repeat,
    )
    if min(counts) < 1 or min(args.d_rate, args.d_seconds, args.e_rate, args.e_seconds) <= 0:
        parser.error("counts, rates and seconds must be positive")
    if args.pgbench_seconds < 0 or args.stats_wait < 0:
        parser.error("--pgbench-seconds and --stats-wait must not be negative")
    return args


def plans(args: argparse.Namespace) -> dict[str, _measure.Plan]:
    """What shapes 1, 2, c and d submit, the same for both engines."""
    return {
        "1": _measure.Plan("1", args.workflows, args.fanout_steps, submitters=args.submitters),
        "2": _measure.Plan("2", 1, args.chain_steps),
        "c": _measure.Plan(
            "c",
            args.c_workflows,
            args.c_children,
            fanout=True,
            fanout_operator=args.c_operator,
            submitters=args.submitters,
        ),
        "d": _measure.Plan(
            "d", round(args.d_rate * args.d_seconds), args.d_steps, rate=args.d_rate, submitters=args.d_threads
        ),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools.load_builtin_tools()
    wanted = [shape.strip() for shape in args.shapes.split(",") if shape.strip()]
    if not wanted or any(shape not in SHAPES for shape in wanted):
        print(f"--shapes takes a comma-separated list of {', '.join(SHAPES)}, not {args.shapes!r}", file=sys.stderr)
        return 2
    baseline_missing = "skipped (--skip-dbos)" if args.skip_dbos else _dbos.missing_reason()

    with _measure.fresh_server("hwe-bench-") as (server, root):
        try:
            summary = _run(args, wanted, server, root, baseline_missing)
        finally:
            if args.keep_logs:
                _copy_logs(root / "logs", args.keep_logs)
    if args.results_dir:
        _measure.write_results(args.results_dir, f"{summary['date']}.json", summary)
    if args.json:
        _report.print_json(summary)
    else:
        _report.print_table(summary)
    failed = any(run["error"] for run in summary["runs"] if run["engine"] == "highway")
    return 1 if failed or (summary["rest"] or {}).get("error") else 0


def _run(
    args: argparse.Namespace, wanted: list[str], server: Any, root: Path, baseline_missing: str | None
) -> dict[str, Any]:
    started = time.monotonic()
    setup = _highway.setup_on(server, HIGHWAY_DATABASE, args, root / "logs")
    server_settings = _prepare_databases(setup)
    load_before = os.getloadavg()

    results: list[_measure.ShapeResult] = []
    ceiling: dict[str, Any] | None = None
    rest_figures: dict[str, Any] | None = None
    for shape in wanted:
        if shape == "e":
            rest_figures = _run_rest(args, setup, root)
            continue
        plan = plans(args)[shape]
        if shape == "2" and args.pgbench_seconds > 0:
            ceiling = _run_ceiling(server, args.pgbench_seconds)
        for attempt in range(args.repeat):
            tag = f"{shape}" if args.repeat == 1 else f"{shape}.{attempt + 1}"
            _measure.progress(f"shape {tag}: {_describe(plan)}")
            for result in _run_pair(setup, plan, server, baseline_missing, args.stats_wait):
                result.repetition = attempt + 1
                results.append(result)
                _measure.progress(f"  {_report.one_line(result)}")

    dbos_runs = [result for result in results if result.engine == "dbos"]
    if dbos_runs and all(result.error for result in dbos_runs):
        baseline_missing = f"every DBOS run failed, e.g. {dbos_runs[0].error} (logs: --keep-logs DIR)"
    summary = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "postgres": server_settings,
        "engine_revision": _measure.engine_revision(),
        "dbos_version": _dbos.version(),
        "baseline_missing": baseline_missing,
        "options": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "wall_seconds": round(time.monotonic() - started, 1),
        "pgbench_ceiling": ceiling,
        "shapes": {shape: _report.summarize_shape(shape, results) for shape in wanted if shape != "e"},
        "rest": rest_figures,
        "runs": [result.as_dict() for result in results],
    }
    summary["targets"] = _report.targets(summary)
    return summary


def _describe(plan: _measure.Plan) -> str:
    if plan.fanout:
        what = f"{plan.workflows} workflow(s) x {plan.steps} parallel children + join (Highway: {plan.fanout_operator})"
    else:
        what = f"{plan.workflows} workflow(s) x {plan.steps} steps"
    return what if plan.rate is None else f"{what}, paced at {plan.rate:g}/s"


def _run_pair(
    setup: _highway.Setup, plan: _measure.Plan, server: Any, baseline_missing: str | None, stats_wait: float
) -> list[_measure.ShapeResult]:
    """One repetition of a shape: DBOS's window, then Highway's, each engine in fresh processes.

    Both engines start together and share one wait for the statistics to settle (one wait instead of two). While
    DBOS's window is open Highway's workers idle (started, nothing submitted: about 1 % of a core, measured; an
    idle DBOS process takes 3-13 %, so it goes first), and DBOS has exited before Highway's window opens.
    """
    highway: _highway.Run | None = None
    dbos: _dbos.Run | None = None
    results: list[_measure.ShapeResult] = []
    try:
        try:
            highway = _highway.Run(setup, plan)
            highway.ready()
        except Exception as err:  # reported in the results; the other runs go on
            results.append(_failed("highway", plan, err))
            if highway is not None:
                highway.stop()
            highway = None
        if baseline_missing is None:
            try:
                dbos = _dbos.Run(
                    admin_url=setup.admin_url,
                    url=embedded.server_url(server, DBOS_DATABASE),
                    database=DBOS_DATABASE,
                    plan=plan,
                    log_dir=setup.log_dir,
                    timeout_seconds=setup.timeout_seconds,
                )
                dbos.ready()  # when it did not get ready, its measure says why
            except OSError as err:  # the child did not start
                results.append(_failed("dbos", plan, err))
                dbos = None
        _measure.wait_stats_reported_before(stats_wait)
        if dbos is not None:
            results.append(dbos.measure())
        if highway is not None:
            try:
                results.append(highway.measure())
            except Exception as err:  # reported in the results; the other runs go on
                results.append(_failed("highway", plan, err))
    finally:
        if highway is not None:
            highway.stop()
        if dbos is not None:
            dbos.stop()
    return results


def _failed(engine: str, plan: _measure.Plan, err: Exception) -> _measure.ShapeResult:
    return _measure.ShapeResult(
        engine, plan.shape, plan.workflows, plan.steps_per_workflow, error=f"{type(err).__name__}: {err}"
    )


def _run_rest(args: argparse.Namespace, setup: _highway.Setup, root: Path) -> dict[str, Any]:
    _measure.progress(
        f"shape e: Highway REST path, {args.e_runs} runs from {args.e_threads} threads, "
        f"then {args.e_rate:g}/s for {args.e_seconds:g} s"
    )
    try:
        figures = rest.measure(
            setup, root, runs=args.e_runs, rate=args.e_rate, seconds=args.e_seconds, threads=args.e_threads
        )
    except Exception as err:  # reported in the results; the other shapes' figures stand
        _measure.progress(f"  REST path FAILED: {type(err).__name__}: {err}")
        return {"error": f"{type(err).__name__}: {err}"}
    errors = figures["throughput"]["http_errors"] + figures["latency"]["http_errors"]
    figures["error"] = f"{errors} HTTP error(s)" if errors else None
    _measure.progress(
        f"  highway REST: {figures['throughput']['runs_per_second']} runs/s submitted, first task started p50 "
        f"{(figures['latency']['created_to_started_ms'] or {}).get('p50')} ms at "
        f"{figures['latency']['achieved_per_second']}/s"
    )
    return figures


def _run_ceiling(server: Any, seconds: float) -> dict[str, Any] | None:
    _measure.progress(f"pgbench: the commit ceiling of the server, 1 and {CEILING_CLIENTS} clients, {seconds:g} s each")
    try:
        ceiling = _measure.commit_ceiling(
            embedded.server_url(server),
            embedded.server_url(server, CEILING_DATABASE),
            CEILING_DATABASE,
            seconds,
            clients=(1, CEILING_CLIENTS),
        )
    except (OSError, RuntimeError) as err:  # the engines' figures stand without it
        _measure.progress(f"  pgbench FAILED: {err}")
        return {"error": str(err)}
    rates = ceiling["commits_per_second"].items()
    _measure.progress(f"  {', '.join(f'{c} client(s): {tps} commits/s' for c, tps in rates)}")
    return ceiling


def _prepare_databases(setup: _highway.Setup) -> dict[str, str]:
    _highway.prepare_database(setup)
    with psycopg.connect(setup.admin_url, autocommit=True) as conn:
        conn.execute(_measure.query("create_database", database=DBOS_DATABASE))
        return {row["name"]: row["setting"] for row in _measure.fetch(conn, "read_server_settings")}


def _copy_logs(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())


if __name__ == "__main__":
    sys.exit(main())
