"""The soak (`python -m chaos --soak`, `make soak`): no faults, a steady load, and nothing may grow.

First a calibration: chains submitted as fast as four threads can for `CALIBRATION_SECONDS`, and the completed
runs per second measured. Then the mixed workload at half that rate for the soak's minutes, sampling every
`SAMPLE_SECONDS` the resident memory of every service (from /proc) and the database's connection count. After a
warm-up (the first fifth, at least a minute), each series must stay within 10 % of its first sample, and the
runs' submit-to-finish latency percentiles are printed per minute.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from chaos import _stack, _workload

CALIBRATION_SECONDS = 40.0
SAMPLE_SECONDS = 10.0
ALLOWED_GROWTH = 0.10


@dataclass
class Soak:
    """Samples and figures of one soak; `failures` names every series that grew."""

    rate: float = 0.0
    throughput: float = 0.0
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def calibrate(stack: _stack.Stack, workload: _workload.Workload) -> float:
    """Completed chains per second with four threads submitting as fast as they can."""
    stop_at = time.monotonic() + CALIBRATION_SECONDS
    before = len(workload.submitted)

    def submit(thread: int) -> None:
        with workload.client() as client:
            n = 10_000_000 * (thread + 1)
            while time.monotonic() < stop_at:
                workload.submit(client, "chain", n)
                n += 1

    threads = [threading.Thread(target=submit, args=(t,), daemon=True) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_ids = [s.run_id for s in workload.submitted[before:]]
    rows = _stack.fetch(stack.database_url, "read_run_times", {"run_ids": run_ids})
    done = [row for row in rows if row["finished"] is not None]
    if not done:
        return 0.0
    first = min(row["created"] for row in rows)
    # Runs finished within the calibration window, over that window: what the stack sustains.
    in_window = [row for row in done if row["finished"] - first <= CALIBRATION_SECONDS]
    return len(in_window) / CALIBRATION_SECONDS


def run(stack: _stack.Stack, workload: _workload.Workload, minutes: float) -> Soak:
    """Calibrates, then soaks for `minutes` at half the measured throughput, sampling as it goes."""
    soak = Soak()
    soak.throughput = calibrate(stack, workload)
    soak.rate = max(soak.throughput / 2, 0.1)
    seconds = minutes * 60.0
    calibration_runs = len(workload.submitted)
    started = time.monotonic()
    submitter = threading.Thread(
        target=workload.submit_paced, args=(max(1, int(soak.rate * seconds)), seconds), daemon=True
    )
    submitter.start()
    while time.monotonic() - started < seconds:
        _sample(stack, soak, time.monotonic() - started)
        time.sleep(SAMPLE_SECONDS)
    submitter.join()
    _judge_growth(soak, warm_up=max(60.0, seconds / 5))
    _latencies(stack, workload.submitted[calibration_runs:], soak)
    return soak


def _sample(stack: _stack.Stack, soak: Soak, at: float) -> None:
    for name in (*_stack.SERVICES, *stack.worker_names):
        pid = stack.pid(name)
        rss = _rss_mib(pid) if pid is not None else None
        if rss is not None:
            soak.samples[f"rss_mib:{name}"].append((at, rss))
    connections = _stack.fetch(stack.database_url, "count_engine_backends")[0]["backends"]
    soak.samples["db_connections"].append((at, float(connections)))


def _rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _judge_growth(soak: Soak, warm_up: float) -> None:
    for series, points in sorted(soak.samples.items()):
        after = [value for at, value in points if at >= warm_up]
        if len(after) < 2:
            soak.failures.append(f"{series}: too few samples after the warm-up")
            continue
        first, top = after[0], max(after)
        growth = (top - first) / first if first else 0.0
        soak.lines.append(f"soak {series} first={first:.1f} max={top:.1f} last={after[-1]:.1f} growth={growth:.1%}")
        if growth > ALLOWED_GROWTH:
            soak.failures.append(f"{series} grew {growth:.1%} after the warm-up (allowed {ALLOWED_GROWTH:.0%})")


def _latencies(stack: _stack.Stack, submitted: list[_workload.Submitted], soak: Soak) -> None:
    rows = _stack.fetch(stack.database_url, "read_run_times", {"run_ids": [s.run_id for s in submitted]})
    shapes = {s.run_id: s.shape for s in submitted}
    done = [row for row in rows if row["finished"] is not None and shapes.get(row["run_id"]) == "chain"]
    if not done:
        soak.failures.append("no chain finished during the soak")
        return
    start = min(row["created"] for row in done)
    minutes: dict[int, list[float]] = defaultdict(list)
    for row in done:
        minutes[int((row["created"] - start) // 60)].append(1000 * (row["finished"] - row["created"]))
    for minute, values in sorted(minutes.items()):
        soak.lines.append(f"soak minute={minute} chains={len(values)} {_percentiles(values)}")
    soak.lines.append(f"soak all chains={len(done)} {_percentiles([v for vs in minutes.values() for v in vs])}")


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    cuts: Any = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else [ordered[0]] * 99
    return f"p50={cuts[49]:.0f}ms p90={cuts[89]:.0f}ms p99={cuts[98]:.0f}ms"
