"""The DBOS Transact side of one bench shape, run in a process of its own: `python -m bench._dbos_child ...`.

DBOS is a library embedded in the application process, so this process is both the client that starts the
workflows and the executor that runs them (DBOS's default: `DBOS.start_workflow`, one thread per workflow).
A fan-out workflow enqueues its children (one step each) on a DBOS queue and waits for them all. Once DBOS has
launched it creates the `--ready` file and waits for "go" on stdin (`bench._dbos.Run`); it writes its
measurement as JSON to `--out`. Imported only in that process: the bench runs without dbos.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from dbos import DBOS, Queue

from bench import _measure

CHILDREN_QUEUE = "bench_children"
# DBOS polls its queues and an awaited workflow's result (1 s by default); 50 ms, the interval at which the
# bench polls Highway's runs, so the fan-out does not wait a second per hop. Highway's workers wake on NOTIFY.
POLL_SECONDS = 0.05
_queues: dict[str, Queue] = {}


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


@DBOS.workflow()
def fan_out(children: int) -> dict[str, Any]:
    # Each enqueued step runs as a workflow of its own, started by the queue's worker thread.
    handles = [_queues[CHILDREN_QUEUE].enqueue(increment_counter, index) for index in range(children)]
    total = sum(handle.get_result(polling_interval_sec=POLL_SECONDS)["counter"] for handle in handles)
    return {"output": increment_counter(total)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-url", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--plan", type=_measure.Plan.from_json, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--ready", type=Path, required=True, help="created once DBOS has launched")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    plan: _measure.Plan = args.plan

    result = _measure.ShapeResult("dbos", plan.shape, plan.workflows, plan.steps_per_workflow)
    result.offered_rate = plan.rate
    workflow = fan_out if plan.fanout else chain
    DBOS(config={"name": "hwe-bench", "system_database_url": args.url, "log_level": "WARNING"})
    DBOS.launch()
    if plan.fanout:
        _queues[CHILDREN_QUEUE] = DBOS.register_queue(CHILDREN_QUEUE, polling_interval_sec=POLL_SECONDS)
    probe = _measure.Probe(args.admin_url, args.database)
    try:
        args.ready.touch()
        # The bench lets the statistics settle (DBOS's start-up outside the window), then sends the line.
        if sys.stdin.readline().strip() != "go":
            sys.exit("the bench ended before this run's window opened")
        counters_before = probe.counters()
        probe.start_backend_cpu()
        cpu_before = time.process_time()
        started = time.time()
        if plan.rate is None:
            handles, result.submit_cpu_seconds = _measure.submit_in_threads(
                lambda _thread, n: [DBOS.start_workflow(workflow, plan.steps) for _ in range(n)],
                plan.workflows,
                plan.submitters,
                args.timeout,
            )
        else:
            handles, result.submit_cpu_seconds = _measure.submit_paced(
                lambda _thread: DBOS.start_workflow(workflow, plan.steps),
                plan.workflows,
                plan.submitters,
                plan.rate,
                args.timeout,
            )
        result.submit_seconds = time.time() - started
        result.submitters = plan.submitters
        for handle in handles:
            handle.get_result()
        result.python_cpu_seconds = time.process_time() - cpu_before
        result.postgres_cpu_seconds = probe.backend_cpu_since_start()
    finally:
        DBOS.destroy()
    if not _measure.wait_stats_reported_after(probe):
        result.notes.append("backends still connected when the window closed: their last counts may be missing")
    probe.store_deltas(result, counters_before)
    probe.close()
    _read_workflows(
        args.url, result, [handle.get_workflow_id() for handle in handles], started, latencies=not plan.fanout
    )
    how = f"paced at {plan.rate:g}/s" if plan.rate is not None else "all at once"
    result.notes.append(
        f"one process; DBOS.start_workflow {how} from {plan.submitters} thread(s), default DBOS settings "
        "(system database pool 20, one executor thread per workflow)"
    )
    if plan.fanout:
        result.notes.append(
            f"each workflow enqueues {plan.steps} steps on a DBOS queue (polled every {POLL_SECONDS:g} s), "
            "waits for their results, then runs a join step"
        )
    with open(args.out, "w") as out:
        json.dump(result.as_dict(), out)


def _read_workflows(
    url: str, result: _measure.ShapeResult, workflow_ids: list[str], started: float, *, latencies: bool
) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = _measure.fetch(conn, "read_dbos_workflows", {"workflow_ids": workflow_ids})
    done = [row for row in rows if row["status"] == "SUCCESS"]
    result.completed = len(done)
    if len(done) < len(rows):
        result.error = f"{len(rows) - len(done)} workflow(s) did not succeed"
    if done:
        result.elapsed_seconds = max(float(row["finished"]) for row in done) - started
    if latencies and result.workflows > 1:
        result.latency_ms = _measure.percentiles_ms(
            [float(row["first_step"] - row["created"]) for row in done if row["first_step"] is not None]
        )
        result.finished_latency_ms = _measure.percentiles_ms([float(row["finished"] - row["created"]) for row in done])


if __name__ == "__main__":
    main()
