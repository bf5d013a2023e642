"""Prints the bench's results: tables with Highway/DBOS ratios and issue 14's targets (rich), or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import _measure

# Issue 14's targets, measured on the same machine in the same run; ratios against DBOS from the same run.
SHAPE_1_RATIO = 5.0  # shape 1: Highway steps/s >= 5x DBOS's
SHAPE_2_RATIO = 3.0  # shape 2: >= 3x DBOS's
SHAPE_2_CEILING_SHARE = 0.8  # shape 2: >= 80 % of the single-client pgbench commit ceiling
COMMITS_PER_STEP = 1.0  # shape 1: commits per step, amortized
CPU_MS_PER_STEP = 0.7  # every shape: Python + PostgreSQL CPU per step
REST_RUNS_PER_SECOND = 500.0  # shape e: runs/s submitted through POST /api/v1/workflows by 8 client threads
REST_RATE = 300.0  # shape e: the offered rate the latency targets hold at
REST_P50_MS = 5.0  # shape e: created -> first task started, p50
REST_P99_MS = 25.0  # shape e: and p99

SHAPE_TITLES = {
    "1": "shape 1: many workflows x few steps, started together",
    "2": "shape 2: one long workflow",
    "c": "shape c: fan-out of parallel one-step children, joined",
    "d": "shape d: short chains at a steady arrival rate",
}
# The figure each shape is judged by: it picks the repetition shown (the median of its Highway/DBOS ratio).
HEADLINE = {"1": "steps_per_second", "2": "steps_per_second", "c": "steps_per_second", "d": "finished_latency_p50"}
HEADLINE_LABELS = {"steps_per_second": "steps/s", "finished_latency_p50": "submit -> finished p50"}
RATIO_KEYS = (
    "steps_per_second",
    "commits_per_step",
    "wal_fsyncs_per_step",
    "wal_bytes_per_step",
    "python_cpu_ms_per_step",
    "postgres_cpu_ms_per_step",
    "cpu_ms_per_step",
)
LATENCY_CUTS = ("p50", "p95", "p99")
LEGEND = (
    "steps/s: steps / (last workflow finished - first submitted); submit s: time to submit them all. A fan-out's "
    "steps are its children and its join step.",
    "commits/step: delta of pg_stat_database.xact_commit of the engine's own database over the run, read-only "
    "transactions included (the bench's completion polls subtracted).",
    "WAL fsyncs, WAL bytes: deltas of the server's pg_stat_io (object wal) and pg_stat_wal over the run.",
    "CPU: user+system time of the engine's Python processes (Highway: workers + the submitting bench process; DBOS: "
    "its one process) and of its database's PostgreSQL backends.",
    "1st step: submit -> first step's result recorded; finished: submit -> the workflow's outcome recorded. Highway: "
    "workflow_run.created_at -> first c_<queue> checkpoint created_at / finished_at; DBOS: workflow_status.created_at "
    "-> first operation_outputs.completed_at_epoch_ms / updated_at.",
    "highway/dbos: ratios between the two engines' runs of one repetition, which ran one right after the other on the "
    "same server; with repetitions, the rows show the repetition whose headline ratio is the median.",
    "pgbench ceiling: commits/s of bench/sql/pgbench_commit.sql (a one-row insert per transaction) on the same server.",
    "vs target: the measured value relative to the target (+ above, - below).",
)


def summarize_shape(shape: str, results: list[_measure.ShapeResult]) -> dict[str, Any]:
    """The representative repetition of one shape: both engines' runs from it, and their Highway/DBOS ratios.

    In a repetition the two engines ran one right after the other on the same server, so their ratio is the figure
    that survives a noisy machine. The repetition shown is the one with the median ratio of the shape's headline
    figure (the lower median for an even count); without a baseline it is the Highway run with the median headline.
    """
    ok = [r for r in results if r.shape == shape and r.error is None]
    by_engine = {engine: {r.repetition: r for r in ok if r.engine == engine} for engine in ("highway", "dbos")}
    headline = HEADLINE.get(shape, "steps_per_second")
    pairs = [
        (repetition, _ratios(highway.as_dict(), by_engine["dbos"][repetition].as_dict()))
        for repetition, highway in sorted(by_engine["highway"].items())
        if repetition in by_engine["dbos"]
    ]
    summary: dict[str, Any] = {
        "headline": headline,
        "ratios_each_repetition": [ratios for _, ratios in pairs],
        "steps_per_second_each_run": {
            engine: [round(r.steps_per_second, 1) for _, r in sorted(runs.items())]
            for engine, runs in by_engine.items()
        },
    }
    if pairs:
        ordered = sorted(pairs, key=lambda pair: pair[1][headline] or 0.0)
        repetition, ratios = ordered[(len(ordered) - 1) // 2]
        summary["ratios_highway_over_dbos"] = ratios
        chosen = {engine: runs.get(repetition) for engine, runs in by_engine.items()}
    else:
        chosen = {engine: _median_run(list(runs.values()), headline) for engine, runs in by_engine.items()}
    summary["shown_runs"] = {engine: run.as_dict() for engine, run in chosen.items() if run is not None}
    return summary


def _median_run(runs: list[_measure.ShapeResult], headline: str) -> _measure.ShapeResult | None:
    ordered = sorted(runs, key=lambda r: _figure(r.as_dict(), headline) or 0.0)
    return ordered[(len(ordered) - 1) // 2] if ordered else None


def _figure(run: dict[str, Any], key: str) -> float | None:
    """A run's figure by name; `latency_p50`, `finished_latency_p99` and the like name a latency percentile."""
    for prefix in ("finished_latency", "latency"):
        if key.startswith(f"{prefix}_"):
            cuts = run.get(f"{prefix}_ms")
            return cuts[key.removeprefix(f"{prefix}_")] if cuts else None
    value: float | None = run.get(key)
    return value


def _ratios(highway: dict[str, Any], dbos: dict[str, Any]) -> dict[str, float | None]:
    keys = [*RATIO_KEYS, *(f"{p}_{cut}" for p in ("latency", "finished_latency") for cut in LATENCY_CUTS)]
    return {key: _divide(_figure(highway, key), _figure(dbos, key)) for key in keys}


def _divide(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


@dataclass(frozen=True)
class _Target:
    shape: str
    name: str
    limit: float
    at_least: bool
    form: str  # how the measured value prints


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 14's targets of the shapes that ran, against this run's figures: the value, met or not, the margin.

    The value is None (not measured) when a figure is missing, e.g. a ratio without the baseline.
    """
    shapes, rest, ceiling = summary["shapes"], summary.get("rest") or {}, summary.get("pgbench_ceiling") or {}

    def shown(shape: str, key: str) -> float | None:
        value: float | None = shapes.get(shape, {}).get("shown_runs", {}).get("highway", {}).get(key)
        return value

    def ratio(shape: str) -> float | None:
        value: float | None = (shapes.get(shape, {}).get("ratios_highway_over_dbos") or {}).get("steps_per_second")
        return value

    single, chain = (ceiling.get("commits_per_second") or {}).get("1"), shown("2", "steps_per_second")
    throughput, latency = rest.get("throughput") or {}, rest.get("latency") or {}
    started = latency.get("created_to_started_ms") or {}
    at_rate = f"at {latency.get('offered_per_second', REST_RATE):g}/s offered"
    cpu = f"CPU ms/step (Python + PostgreSQL) <= {CPU_MS_PER_STEP:g}"
    rows: list[tuple[_Target, float | None]] = [
        (_Target("1", f"steps/s >= {SHAPE_1_RATIO:g}x DBOS", SHAPE_1_RATIO, True, "{:.2f}x"), ratio("1")),
        (
            _Target("1", f"commits/step <= {COMMITS_PER_STEP:g}", COMMITS_PER_STEP, False, "{:.2f}"),
            shown("1", "commits_per_step"),
        ),
        (_Target("2", f"steps/s >= {SHAPE_2_RATIO:g}x DBOS", SHAPE_2_RATIO, True, "{:.2f}x"), ratio("2")),
        (
            _Target(
                "2",
                f"steps/s >= {100 * SHAPE_2_CEILING_SHARE:.0f} % of the 1-client pgbench commit ceiling",
                100 * SHAPE_2_CEILING_SHARE,
                True,
                "{:.0f} %",
            ),
            100 * chain / single if chain and single else None,
        ),
        *((_Target(shape, cpu, CPU_MS_PER_STEP, False, "{:.2f}"), shown(shape, "cpu_ms_per_step")) for shape in "12cd"),
        (
            _Target("e", f"REST runs/s submitted >= {REST_RUNS_PER_SECOND:g}", REST_RUNS_PER_SECOND, True, "{:.0f}"),
            throughput.get("runs_per_second"),
        ),
        (
            _Target("e", f"REST first task started p50 <= {REST_P50_MS:g} ms {at_rate}", REST_P50_MS, False, "{:.1f}"),
            started.get("p50"),
        ),
        (
            _Target("e", f"REST first task started p99 <= {REST_P99_MS:g} ms {at_rate}", REST_P99_MS, False, "{:.1f}"),
            started.get("p99"),
        ),
    ]
    ran = set(shapes) | ({"e"} if summary.get("rest") is not None else set())
    rows.sort(key=lambda row: "12cde".index(row[0].shape))
    return [_judge(target, value) for target, value in rows if target.shape in ran]


def _judge(target: _Target, value: float | None) -> dict[str, Any]:
    met = None if value is None else (value >= target.limit if target.at_least else value <= target.limit)
    return {
        "shape": target.shape,
        "target": target.name,
        "limit": target.limit,
        "measured": None if value is None else round(value, 3),
        "shown": "-" if value is None else target.form.format(value),
        "met": met,
        "vs_target_percent": None if value is None else round(100 * (value / target.limit - 1), 1),
    }


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
    if result.achieved_rate is not None:
        line += f", {result.achieved_rate:.0f} runs/s achieved"
    if result.latency_ms:
        line += f", first step p50 {result.latency_ms['p50']:.0f} ms"
    if result.finished_latency_ms:
        line += f", finished p50 {result.finished_latency_ms['p50']:.0f} ms"
    return line


def print_json(summary: dict[str, Any]) -> None:
    print(json.dumps(summary, indent=2, default=str))


def print_table(summary: dict[str, Any]) -> None:
    console = Console(width=200)
    machine, postgres = summary["machine"], summary["postgres"]
    console.print(
        f"[bold]Highway core vs DBOS Transact[/bold] (dbos {summary['dbos_version'] or 'not installed'}) on one "
        f"embedded PostgreSQL {postgres.get('server_version', '?')}: fsync={postgres.get('fsync')}, "
        f"synchronous_commit={postgres.get('synchronous_commit')}, wal_sync_method={postgres.get('wal_sync_method')}"
    )
    console.print(
        f"{machine['cpus']} CPUs; load average before {_load(machine['load_average_before'])}, "
        f"after {_load(machine['load_average_after'])}; engine revision {summary['engine_revision']}; "
        f"{summary['wall_seconds']:.0f} s"
    )
    if summary["baseline_missing"]:
        console.print(f"[bold red]BASELINE MISSING: DBOS did not run: {summary['baseline_missing']}[/bold red]")
    for shape, shape_summary in summary["shapes"].items():
        console.print(_shape_table(shape, summary, shape_summary))
    failures = [run for run in summary["runs"] if run["error"]]
    for run in failures:
        console.print(f"[red]{run['engine']} shape {run['shape']} failed: {run['error']}[/red]")
    if (summary["rest"] or {}).get("error"):
        console.print(f"[red]shape e (REST) failed: {summary['rest']['error']}[/red]")
    console.print(_overview_table(summary))
    console.print(_targets_table(summary["targets"]))
    for line in LEGEND:
        console.print(line, highlight=False)


def _shape_table(shape: str, summary: dict[str, Any], shape_summary: dict[str, Any]) -> Table:
    repeat = summary["options"]["repeat"]
    title = SHAPE_TITLES.get(shape, f"shape {shape}") + ("" if repeat == 1 else f" (median of {repeat} repetitions)")
    table = Table(title=title, title_justify="left", caption_justify="left")
    medians = shape_summary["shown_runs"]
    latencies = any(run.get("latency_ms") for run in medians.values())
    headers = [
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
    ]
    if latencies:
        headers += ["1st step p50/p95/p99 ms", "finished p50/p95/p99 ms"]
    for header in headers:
        table.add_column(header, justify="right")
    for engine in ("highway", "dbos"):
        run = medians.get(engine)
        if run is None:
            table.add_row(engine, *(["-"] * (len(headers) - 1)))
            continue
        cells = [
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
        ]
        if latencies:
            cells += [_cuts(run["latency_ms"]), _cuts(run["finished_latency_ms"])]
        table.add_row(*cells)
    ratios = shape_summary.get("ratios_highway_over_dbos")
    if ratios:
        cells = [
            "[bold]highway/dbos[/bold]",
            "",
            "",
            "",
            f"[bold]{_ratio(ratios['steps_per_second'])}[/bold]",
            *(_ratio(ratios[key]) for key in RATIO_KEYS[1:-1]),
        ]
        if latencies:
            cells += [
                "/".join(_ratio(ratios[f"{p}_{cut}"]) for cut in LATENCY_CUTS) for p in ("latency", "finished_latency")
            ]
        table.add_row(*cells)
    caption = [f"{engine}: {'; '.join(run['notes'])}" for engine, run in medians.items() if run["notes"]]
    if repeat > 1:
        each = shape_summary["steps_per_second_each_run"]
        caption += [f"{engine} steps/s of each repetition: {each[engine]}" for engine in medians]
        pairs = shape_summary["ratios_each_repetition"]
        headline = shape_summary["headline"]
        if pairs:
            label = HEADLINE_LABELS.get(headline, headline)
            caption.append(f"highway/dbos {label} of each repetition: {[pair[headline] for pair in pairs]}")
    if shape == "2" and summary.get("pgbench_ceiling"):
        caption.append(_ceiling_line(summary["pgbench_ceiling"], medians))
    table.caption = "\n".join(caption)
    return table


def _ceiling_line(ceiling: dict[str, Any], medians: dict[str, Any]) -> str:
    if ceiling.get("error"):
        return f"pgbench ceiling: not measured ({ceiling['error']})"
    per_clients = ceiling["commits_per_second"]
    line = "pgbench ceiling (commits/s): " + ", ".join(
        f"{clients} client(s) {tps:.0f}" for clients, tps in per_clients.items()
    )
    single = per_clients.get("1")
    if single:
        shares = [f"{engine} {100 * run['steps_per_second'] / single:.0f} %" for engine, run in medians.items()]
        line += f"; steps/s as a share of the 1-client ceiling: {', '.join(shares)}"
    return line


def _overview_table(summary: dict[str, Any]) -> Table:
    """Every shape's main figures side by side: Highway, DBOS, and their ratio."""
    table = Table(title="every shape, side by side", title_justify="left")
    for header in ("shape", "figure", "highway", "dbos", "highway/dbos"):
        table.add_column(header, justify="left" if header in ("shape", "figure") else "right")
    shapes = summary["shapes"]
    for shape, shape_summary in shapes.items():
        runs, ratios = shape_summary["shown_runs"], shape_summary.get("ratios_highway_over_dbos") or {}
        highway, dbos = runs.get("highway"), runs.get("dbos")
        rows: list[tuple[str, str, str]] = []
        if shape == "d":
            rows.append((f"runs/s achieved (offered {_offered(highway or dbos)})", "achieved_rate", "{:.0f}"))
        rows += [("steps/s", "steps_per_second", "{:.0f}"), ("commits/step", "commits_per_step", "{:.2f}")]
        rows.append(("CPU ms/step (Python + PostgreSQL)", "cpu_ms_per_step", "{:.2f}"))
        for label, key, form in rows:
            table.add_row(
                shape, label, _run_figure(highway, key, form), _run_figure(dbos, key, form), _ratio(ratios.get(key))
            )
        if shape == "2" and (summary.get("pgbench_ceiling") or {}).get("commits_per_second", {}).get("1"):
            single = summary["pgbench_ceiling"]["commits_per_second"]["1"]
            share = [f"{100 * run['steps_per_second'] / single:.0f} %" if run else "-" for run in (highway, dbos)]
            table.add_row(shape, f"steps/s as a share of the pgbench 1-client ceiling ({single:.0f}/s)", *share, "")
        for prefix, label in (("latency", "submit -> 1st step"), ("finished_latency", "submit -> finished")):
            if any(run and run.get(f"{prefix}_ms") for run in (highway, dbos)):
                table.add_row(
                    shape,
                    f"{label} p50/p95/p99 ms",
                    _cuts(highway and highway[f"{prefix}_ms"]),
                    _cuts(dbos and dbos[f"{prefix}_ms"]),
                    "/".join(_ratio(ratios.get(f"{prefix}_{cut}")) for cut in LATENCY_CUTS),
                )
    rest = summary.get("rest")
    if rest and not rest.get("error"):
        no_rest = "no REST server"
        throughput, latency = rest["throughput"], rest["latency"]
        table.add_row(
            "e",
            f"REST runs/s submitted ({throughput['threads']} threads)",
            f"{throughput['runs_per_second']:.0f}",
            no_rest,
            "",
        )
        table.add_row(
            "e",
            f"REST runs/s achieved (offered {latency['offered_per_second']:g})",
            f"{latency['achieved_per_second']:.0f}",
            no_rest,
            "",
        )
        table.add_row(
            "e",
            "REST created -> first task started p50/p95/p99 ms",
            _cuts(latency["created_to_started_ms"]),
            no_rest,
            "",
        )
        table.add_row(
            "e",
            "REST created -> first checkpoint p50/p95/p99 ms",
            _cuts(latency["created_to_first_checkpoint_ms"]),
            no_rest,
            "",
        )
        runs = max(throughput["submitted"], 1)
        table.add_row("e", "API process CPU ms/run", f"{1000 * throughput['api_cpu_seconds'] / runs:.2f}", no_rest, "")
    return table


def _targets_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="issue 14's targets", title_justify="left")
    for header in ("shape", "target", "measured", "verdict", "vs target"):
        table.add_column(header, justify="left" if header in ("shape", "target") else "right")
    for row in rows:
        if row["met"] is None:
            table.add_row(row["shape"], row["target"], "-", "not measured", "")
            continue
        verdict = "[green]met[/green]" if row["met"] else "[bold red]MISSED[/bold red]"
        table.add_row(row["shape"], row["target"], row["shown"], verdict, f"{row['vs_target_percent']:+.0f} %")
    return table


def _offered(run: dict[str, Any] | None) -> str:
    return "-" if run is None or run.get("offered_rate") is None else f"{run['offered_rate']:g}"


def _run_figure(run: dict[str, Any] | None, key: str, form: str) -> str:
    return "-" if run is None else _number(run.get(key), form)


def _cuts(latency: dict[str, float] | None) -> str:
    return "/".join(f"{latency[cut]:.0f}" for cut in LATENCY_CUTS) if latency else "-"


def _number(value: float | None, form: str) -> str:
    return "-" if value is None else form.format(value)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _load(load: Any) -> str:
    return " ".join(f"{value:.2f}" for value in load)
