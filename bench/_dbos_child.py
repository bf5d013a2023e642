"""The DBOS Transact side of one bench shape, run in a process of its own: `python -m bench._dbos_child ...`.

DBOS is a library embedded in the application process, so this process is both the client that starts the
workflows and the executor that runs them (DBOS's default: `DBOS.start_workflow`, one thread per workflow).
It writes its measurement as JSON to `--out`. Imported only in that process: the bench runs without dbos.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import psycopg
from dbos import DBOS

from bench import _measure


@DBOS.step()
def increment_counter(counter: int) -> dict[str, int]:
    # The same work as Highway's tools.simple_counter.increment_counter: no I/O, a small JSON result.
    return {"counter": counter + 1}


@DBOS.workflow()
def chain(steps: int) -> dict[str, Any]:
    state = {"counter": 0}
    for _ in range(steps):
        state = increment_counter(state["counter"])
    return {"output": state}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-url", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--shape", required=True)
    parser.add_argument("--workflows", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--submitters", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    result = _measure.ShapeResult("dbos", args.shape, args.workflows, args.steps)
    DBOS(config={"name": "hwe-bench", "system_database_url": args.url, "log_level": "WARNING"})
    DBOS.launch()
    probe = _measure.Probe(args.admin_url, args.database)
    try:
        _measure.wait_stats_reported_before()
        counters_before = probe.counters()
        probe.start_backend_cpu()
        cpu_before = time.process_time()
        started = time.time()
        handles, result.submit_cpu_seconds = _measure.submit_in_threads(
            lambda _thread, n: [DBOS.start_workflow(chain, args.steps) for _ in range(n)],
            args.workflows,
            args.submitters,
            args.timeout,
        )
        result.submit_seconds = time.time() - started
        result.submitters = args.submitters
        for handle in handles:
            handle.get_result()
        result.python_cpu_seconds = time.process_time() - cpu_before
        result.postgres_cpu_seconds = probe.backend_cpu_since_start()
    finally:
        DBOS.destroy()
    _measure.wait_stats_reported_after()
    probe.store_deltas(result, counters_before)
    probe.close()
    _read_workflows(args.url, result, [handle.get_workflow_id() for handle in handles], started)
    result.notes.append(
        f"one process; DBOS.start_workflow from {args.submitters} thread(s), default DBOS settings "
        "(system database pool 20, one executor thread per workflow)"
    )
    with open(args.out, "w") as out:
        json.dump(result.as_dict(), out)


def _read_workflows(url: str, result: _measure.ShapeResult, workflow_ids: list[str], started: float) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = _measure.fetch(conn, "read_dbos_workflows", {"workflow_ids": workflow_ids})
    done = [row for row in rows if row["status"] == "SUCCESS"]
    result.completed = len(done)
    if len(done) < len(rows):
        result.error = f"{len(rows) - len(done)} workflow(s) did not succeed"
    if done:
        result.elapsed_seconds = max(float(row["finished"]) for row in done) - started
    if result.workflows > 1:
        result.latency_ms = _measure.percentiles_ms(
            [float(row["first_step"] - row["created"]) for row in done if row["first_step"] is not None]
        )


if __name__ == "__main__":
    main()
