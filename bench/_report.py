"""Prints the bench's results: a compact table with Highway/DBOS ratios (rich), or JSON."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import _measure

# The project's goal for shape 1: Highway at five times DBOS's steps/s on the same machine, in the same run.
TARGET_RATIO = 5.0
SHAPE_TITLES = {"1": "shape 1: many workflows x few steps, started together", "2": "shape 2: one long workflow"}
RATIO_KEYS = (
    "steps_per_second",
    "commits_per_step",
    "wal_fsyncs_per_step",
    "wal_bytes_per_step",
    "python_cpu_ms_per_step",
    "postgres_cpu_ms_per_step",
)
LATENCY_CUTS = ("p50", "p95", "p99")
LEGEND = (
    "steps/s: steps / (last workflow finished - first submitted); submit s: time to submit them all.",
    "commits/step: delta of pg_stat_database.xact_commit of the engine's own database over the run, read-only "
    "transactions included (the bench's completion polls subtracted).",
    "WAL fsyncs, WAL bytes: deltas of the server's pg_stat_io (object wal) and pg_stat_wal over the run.",
    "CPU: user+system time of the engine's Python processes (Highway: workers + the submitting bench process; DBOS: "
    "its one process) and of its database's PostgreSQL backends.",
    "1st step: submit -> first step's result recorded. Highway: workflow_run.created_at -> first c_<queue> "
    "checkpoint created_at; DBOS: workflow_status.created_at -> first operation_outputs.completed_at_epoch_ms.",
    "highway/dbos: ratios between the two engines' runs of one repetition, which ran one right after the other on the "
    "same server; with repetitions, the rows show the repetition whose steps/s ratio is the median.",
)


def summarize_shape(shape: str, results: list[_measure.ShapeResult]) -> dict[str, Any]:
    """The representative repetition of one shape: both engines' runs from it, and their Highway/DBOS ratios.

    In a repetition the two engines ran one right after the other on the same server, so their ratio is the figure
    that survives a noisy machine. The repetition shown is the one with the median steps/s ratio (the lower median
    for an even count); without a baseline it is the Highway run with the median steps/s.
    """
    ok = [r for r in results if r.shape == shape and r.error is None]
    by_engine = {engine: {r.repetition: r for r in ok if r.engine == engine} for engine in ("highway", "dbos")}
    pairs = [
        (repetition, _ratios(highway.as_dict(), by_engine["dbos"][repetition].as_dict()))
        for repetition, highway in sorted(by_engine["highway"].items())
        if repetition in by_engine["dbos"]
    ]
    summary: dict[str, Any] = {
        "ratios_each_repetition": [ratios for _, ratios in pairs],
        "steps_per_second_each_run": {
            engine: [round(r.steps_per_second, 1) for _, r in sorted(runs.items())]
            for engine, runs in by_engine.items()
        },
    }
    if pairs:
        ordered = sorted(pairs, key=lambda pair: pair[1]["steps_per_second"] or 0.0)
        repetition, ratios = ordered[(len(ordered) - 1) // 2]
        summary["ratios_highway_over_dbos"] = ratios
        chosen = {engine: runs.get(repetition) for engine, runs in by_engine.items()}
    else:
        chosen = {engine: _median_run(list(runs.values())) for engine, runs in by_engine.items()}
    summary["shown_runs"] = {engine: run.as_dict() for engine, run in chosen.items() if run is not None}
    return summary


def _median_run(runs: list[_measure.ShapeResult]) -> _measure.ShapeResult | None:
    ordered = sorted(runs, key=lambda r: r.steps_per_second)
    return ordered[(len(ordered) - 1) // 2] if ordered else None


def _ratios(highway: dict[str, Any], dbos: dict[str, Any]) -> dict[str, float | None]:
    ratios = {key: _divide(highway[key], dbos[key]) for key in RATIO_KEYS}
    for cut in LATENCY_CUTS:
        h, d = highway.get("latency_ms"), dbos.get("latency_ms")
        ratios[f"latency_{cut}"] = _divide(h[cut], d[cut]) if h and d else None
    return ratios


def _divide(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def one_line(result: _measure.ShapeResult) -> str:
    """A progress line for one finished run."""
    if result.error:
        return f"{result.engine}: FAILED: {result.error}"
    line = (
        f"{result.engine}: {result.steps} steps in {result.elapsed_seconds:.2f}s = {result.steps_per_second:.0f} "
        f"steps/s (submitting took {result.submit_seconds:.2f}s), {result.commits_per_step:.2f} commits/step, "
        f"CPU ms/step: Python {1000 * result.python_cpu_seconds / result.steps:.2f}, "
        f"PostgreSQL {1000 * result.postgres_cpu_seconds / result.steps:.2f}"
    )
    if result.latency_ms:
        line += f", first step p50 {result.latency_ms['p50']:.0f} ms"
    return line


def print_json(summary: dict[str, Any]) -> None:
    print(json.dumps(summary, indent=2, default=str))


def print_table(summary: dict[str, Any]) -> None:
    console = Console(width=170)
    machine, postgres = summary["machine"], summary["postgres"]
    console.print(
        f"[bold]Highway core vs DBOS Transact[/bold] (dbos {summary['dbos_version'] or 'not installed'}) on one "
        f"embedded PostgreSQL {postgres.get('server_version', '?')}: fsync={postgres.get('fsync')}, "
        f"synchronous_commit={postgres.get('synchronous_commit')}, wal_sync_method={postgres.get('wal_sync_method')}"
    )
    console.print(
        f"{machine['cpus']} CPUs; load average before {_load(machine['load_average_before'])}, "
        f"after {_load(machine['load_average_after'])}; engine revision {summary['engine_revision']}"
    )
    if summary["baseline_missing"]:
        console.print(f"[bold red]BASELINE MISSING: DBOS did not run: {summary['baseline_missing']}[/bold red]")
    for shape, shape_summary in summary["shapes"].items():
        console.print(_shape_table(shape, summary, shape_summary))
    failures = [run for run in summary["runs"] if run["error"]]
    for run in failures:
        console.print(f"[red]{run['engine']} shape {run['shape']} failed: {run['error']}[/red]")
    _print_target(console, summary)
    for line in LEGEND:
        console.print(line, highlight=False)


def _shape_table(shape: str, summary: dict[str, Any], shape_summary: dict[str, Any]) -> Table:
    repeat = summary["options"]["repeat"]
    title = SHAPE_TITLES.get(shape, f"shape {shape}") + ("" if repeat == 1 else f" (median of {repeat} repetitions)")
    table = Table(title=title, title_justify="left", caption_justify="left")
    headers = (
        "",
        "runs x steps",
        "submit s",
        "done s",
        "steps/s",
        "commits/step",
        "WAL fsyncs/step",
        "WAL bytes/step",
        "Py CPU ms/step",
        "PG CPU ms/step",
    )
    for header in (*headers, "1st step p50/p95/p99 ms"):
        table.add_column(header, justify="right")
    medians = shape_summary["shown_runs"]
    for engine in ("highway", "dbos"):
        run = medians.get(engine)
        if run is None:
            table.add_row(engine, *(["-"] * (len(headers))))
            continue
        latency = run["latency_ms"]
        table.add_row(
            engine,
            f"{run['workflows']} x {run['steps_per_workflow']}",
            f"{run['submit_seconds']:.2f}",
            f"{run['elapsed_seconds']:.2f}",
            f"{run['steps_per_second']:.0f}",
            f"{run['commits_per_step']:.2f}",
            _number(run["wal_fsyncs_per_step"], "{:.2f}"),
            _number(run["wal_bytes_per_step"], "{:.0f}"),
            f"{run['python_cpu_ms_per_step']:.2f}",
            f"{run['postgres_cpu_ms_per_step']:.2f}",
            "/".join(f"{latency[cut]:.0f}" for cut in LATENCY_CUTS) if latency else "-",
        )
    ratios = shape_summary.get("ratios_highway_over_dbos")
    if ratios:
        table.add_row(
            "[bold]highway/dbos[/bold]",
            "",
            "",
            "",
            f"[bold]{_ratio(ratios['steps_per_second'])}[/bold]",
            _ratio(ratios["commits_per_step"]),
            _ratio(ratios["wal_fsyncs_per_step"]),
            _ratio(ratios["wal_bytes_per_step"]),
            _ratio(ratios["python_cpu_ms_per_step"]),
            _ratio(ratios["postgres_cpu_ms_per_step"]),
            "/".join(_ratio(ratios[f"latency_{cut}"]) for cut in LATENCY_CUTS),
        )
    caption = [f"{engine}: {'; '.join(run['notes'])}" for engine, run in medians.items() if run["notes"]]
    if repeat > 1:
        each = shape_summary["steps_per_second_each_run"]
        caption += [f"{engine} steps/s of each repetition: {each[engine]}" for engine in medians]
        pairs = shape_summary["ratios_each_repetition"]
        if pairs:
            caption.append(f"highway/dbos steps/s of each repetition: {[pair['steps_per_second'] for pair in pairs]}")
    table.caption = "\n".join(caption)
    return table


def _print_target(console: Console, summary: dict[str, Any]) -> None:
    ratios = summary["shapes"].get("1", {}).get("ratios_highway_over_dbos")
    if not ratios or ratios["steps_per_second"] is None:
        return
    ratio = ratios["steps_per_second"]
    verdict = "[green]met[/green]" if ratio >= TARGET_RATIO else "[yellow]not met[/yellow]"
    console.print(
        f"target (shape 1, Highway steps/s >= {TARGET_RATIO:g}x DBOS in the same run): {ratio:.2f}x, {verdict}"
    )


def _number(value: float | None, form: str) -> str:
    return "-" if value is None else form.format(value)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _load(load: Any) -> str:
    return " ".join(f"{value:.2f}" for value in load)
