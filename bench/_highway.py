"""Runs one bench shape on Highway: real worker processes, runs submitted through `hwe.runs.submit_run`.

Each shape gets fresh workers (`python -m services.worker`); they are stopped with SIGTERM once every run has
finished, so their backends exit and report their last commits before the counter is read again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from highway_dsl import WorkflowBuilder

from bench import _measure
from hwe import db, embedded, migrate, runs, tenants

TOOL = "tools.simple_counter.increment_counter"
REPO_ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.05
MAX_ATTEMPTS = 10  # the engine's default root_task_max_attempts
TENANT = "bench"
QUEUE = "bench"


@dataclass(frozen=True)
class Setup:
    """Where Highway runs in this bench, and how its workers are configured."""

    admin_url: str
    url: str
    database: str
    tenant_id: str
    queue: str
    workers: int
    concurrency: int
    pool_size: int
    log_level: str
    log_dir: Path
    timeout_seconds: float


def setup_on(server: Any, database: str, options: Any, log_dir: Path) -> Setup:
    """The Setup of the bench tenant's database `database` on an embedded server, with the worker options every
    bench takes (`--workers`, `--concurrency`, `--pool-size`, `--log-level`, `--timeout`)."""
    return Setup(
        admin_url=embedded.server_url(server),
        url=embedded.server_url(server, database),
        database=database,
        tenant_id=TENANT,
        queue=QUEUE,
        workers=options.workers,
        concurrency=options.concurrency,
        pool_size=options.pool_size,
        log_level=options.log_level,
        log_dir=log_dir,
        timeout_seconds=options.timeout,
    )


def prepare_database(setup: Setup) -> None:
    """Creates the bench's Highway database on the server, migrates it and creates its tenant and queue."""
    with psycopg.connect(setup.admin_url, autocommit=True) as conn:
        conn.execute(_measure.query("create_database", database=setup.database))
    with db.connect(setup.url) as conn:
        migrate.apply_migrations(conn)
        tenants.create_tenant(conn, setup.tenant_id, setup.queue)


def definition(name: str, steps: int) -> dict[str, Any]:
    """A chain of `steps` task operators calling the in-process counter tool (no I/O: the cheapest step)."""
    builder = WorkflowBuilder(name, version="1.0.0")
    for index in range(steps):
        builder.task(f"step_{index}", TOOL)
    wire: dict[str, Any] = json.loads(builder.build().to_json())
    return wire


def fanout_definition(name: str, children: int) -> dict[str, Any]:
    """A `parallel` of `children` branches of one counter step each, waited for, then one join step.

    The DSL's fork-only parallel: each branch is a child run of its own, spread over the workers like any run;
    `tools.workflow.wait_for_parallel_branches` waits for them all and the join step runs after it.
    """
    builder = WorkflowBuilder(name, version="1.0.0")
    builder.parallel(
        "fork",
        branches={f"b{index}": functools.partial(_one_step, f"child_{index}") for index in range(children)},
        result_key="fork",
    )
    builder.task(
        "wait_children",
        "tools.workflow.wait_for_parallel_branches",
        args=["{{fork}}"],
        kwargs={"timeout_seconds": 3600},
        dependencies=["fork"],
    )
    builder.task("join", TOOL, dependencies=["wait_children"])
    wire: dict[str, Any] = json.loads(builder.build().to_json())
    return wire


def foreach_definition(name: str, children: int) -> dict[str, Any]:
    """A parallel `foreach` over `children` items, one counter step each, then one join step.

    The iterations run concurrently inside the run's worker (no child runs), each step checkpointed.
    """
    builder = WorkflowBuilder(name, version="1.0.0")
    builder.foreach(
        "each", items=json.dumps(list(range(children))), parallel=True, loop_body=functools.partial(_one_step, "child")
    )
    builder.task("join", TOOL, dependencies=["each"])
    wire: dict[str, Any] = json.loads(builder.build().to_json())
    return wire


def _one_step(task_id: str, branch: WorkflowBuilder) -> WorkflowBuilder:
    return branch.task(task_id, TOOL)


class Run:
    """One shape's run on Highway: fresh workers start at construction; `measure` opens and closes the window.

    The runs are submitted with `hwe.runs.submit_run` from `plan.submitters` threads of this process, each with
    a connection of its own; every run is submitted in a transaction of its own, all at once or paced at
    `plan.rate`. The caller waits for `ready` and then for the statistics to settle before `measure`
    (`_measure.wait_stats_reported_before`), so the workers' start-up falls outside the window.
    """

    def __init__(self, setup: Setup, plan: _measure.Plan) -> None:
        self.setup, self.plan = setup, plan
        name = f"bench_{plan.shape}"
        if not plan.fanout:
            self.wire = definition(name, plan.steps)
        elif plan.fanout_operator == "foreach":
            self.wire = foreach_definition(name, plan.steps)
        else:
            self.wire = fanout_definition(name, plan.steps)
        self.probe = _measure.Probe(setup.admin_url, setup.database)
        self.workers = start_workers(setup, plan.shape)
        # The submitting connections stay open until the backends' CPU time has been read.
        self.connections: list[db.Connection] = []
        try:
            self.connections += [db.connect(setup.url) for _ in range(plan.submitters)]
        except BaseException:
            self.stop()
            raise

    def ready(self) -> None:
        """Returns once every worker listens on the queue; raises RuntimeError when one exits or a minute passes."""
        wait_workers_ready(self.setup, self.probe, self.workers)

    def stop(self) -> None:
        """Stops the workers and closes the connections (again: no harm)."""
        stop_processes(self.workers)
        for conn in self.connections:
            conn.close()

    def measure(self) -> _measure.ShapeResult:
        """Submits the plan's runs, waits until they finished, stops the workers and returns the figures."""
        setup, plan, probe, workers, connections = self.setup, self.plan, self.probe, self.workers, self.connections
        result = _measure.ShapeResult("highway", plan.shape, plan.workflows, plan.steps_per_workflow)
        result.offered_rate = plan.rate
        principal = tenants.Principal(tenant_id=setup.tenant_id, role="admin", queue_name=setup.queue)
        request_hash = hashlib.sha256(json.dumps(self.wire, sort_keys=True).encode()).hexdigest()
        try:
            counters_before = probe.counters()
            probe.start_backend_cpu()
            cpu_before = {w.pid: _measure.process_cpu_seconds(w.pid) for w in workers}
            own_cpu_before = time.process_time()
            polls = 0
            started = time.time()
            if plan.rate is None:
                run_ids, result.submit_cpu_seconds = _measure.submit_in_threads(
                    lambda thread, n: _submit(connections[thread], principal, self.wire, request_hash, n),
                    plan.workflows,
                    plan.submitters,
                    setup.timeout_seconds,
                )
            else:
                run_ids, result.submit_cpu_seconds = _measure.submit_paced(
                    lambda thread: _submit(connections[thread], principal, self.wire, request_hash, 1)[0],
                    plan.workflows,
                    plan.submitters,
                    plan.rate,
                    setup.timeout_seconds,
                )
            result.submit_seconds = time.time() - started
            result.submitters = plan.submitters
            with db.connect(setup.url) as conn:
                deadline = started + setup.timeout_seconds
                while True:
                    polls += 1
                    unfinished = _measure.fetch(conn, "count_unfinished_highway_runs", {"run_ids": run_ids})
                    if not unfinished[0]["unfinished"]:
                        break
                    if time.time() > deadline:
                        result.error = f"timed out after {setup.timeout_seconds:.0f}s"
                        break
                    time.sleep(POLL_SECONDS)
            result.python_cpu_seconds = sum(_measure.process_cpu_seconds(w.pid) - cpu_before[w.pid] for w in workers)
            result.python_cpu_seconds += time.process_time() - own_cpu_before
            result.postgres_cpu_seconds = probe.backend_cpu_since_start()
            result.submit_postgres_cpu_seconds = probe.backend_cpu_since_start(
                {c.info.backend_pid for c in connections}
            )
        finally:
            self.stop()
        if not _measure.wait_stats_reported_after(probe):
            result.notes.append("backends still connected when the window closed: their last counts may be missing")
        # The bench's completion polls ran in Highway's database: they are the bench's commits, not the engine's.
        probe.store_deltas(result, counters_before, own_commits=polls)
        probe.close()
        _read_runs(setup, result, run_ids, started, latencies=not plan.fanout and plan.workflows > 1)
        how = f"paced at {plan.rate:g}/s" if plan.rate is not None else "all at once"
        result.notes.append(
            f"{setup.workers} worker process(es), concurrency {setup.concurrency}, pool {setup.pool_size}, "
            f"log level {setup.log_level}; submitted {how} with hwe.runs.submit_run from {plan.submitters} "
            "thread(s) of the bench"
        )
        if plan.fanout and plan.fanout_operator == "foreach":
            result.notes.append(f"each run: a parallel foreach over {plan.steps} items of one step, a join step")
        elif plan.fanout:
            result.notes.append(
                f"each run: a parallel of {plan.steps} one-step branches (child runs), "
                "wait_for_parallel_branches, a join step"
            )
        return result


def _submit(
    conn: db.Connection, principal: tenants.Principal, wire: dict[str, Any], request_hash: str, count: int
) -> list[Any]:
    return [
        runs.submit_run(
            conn,
            principal,
            definition=wire,
            inputs={},
            idempotency_key=None,
            request_hash=request_hash,
            max_attempts=MAX_ATTEMPTS,
        ).workflow_run_id
        for _ in range(count)
    ]


def _read_runs(
    setup: Setup, result: _measure.ShapeResult, run_ids: list[Any], started: float, *, latencies: bool
) -> None:
    with db.connect(setup.url) as conn:
        rows = _measure.fetch(
            conn, "read_highway_runs", {"run_ids": run_ids}, checkpoints=f"hwe.c_{db.validate_queue_name(setup.queue)}"
        )
    done = [row for row in rows if row["state"] == "completed"]
    result.completed = len(done)
    if len(done) < len(rows) and result.error is None:
        states = sorted({row["state"] for row in rows if row["state"] != "completed"})
        result.error = f"{len(rows) - len(done)} run(s) did not complete ({', '.join(states)})"
    if done:
        result.elapsed_seconds = max(row["finished"] for row in done) - started
    if latencies:
        result.latency_ms = _measure.percentiles_ms(
            [row["first_step"] - row["created"] for row in done if row["first_step"] is not None]
        )
        result.finished_latency_ms = _measure.percentiles_ms([row["finished"] - row["created"] for row in done])


def start_workers(setup: Setup, shape: str) -> list[subprocess.Popen[bytes]]:
    """Starts `setup.workers` worker processes on the bench's queue, each logging to the bench's log directory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HWE_")}
    env.update(
        {
            "HWE_DATABASE_URL": setup.url,
            "HWE_WORKER_QUEUE": setup.queue,
            "HWE_WORKER_CONCURRENCY": str(setup.concurrency),
            "HWE_POOL_SIZE": str(setup.pool_size),
            "HWE_LOG_LEVEL": setup.log_level,
            "HWE_WORKER_DRAIN_SECONDS": "10",
            "HWE_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",  # HTTP tasks reach only this machine
        }
    )
    workers = []
    for index in range(setup.workers):
        log = (setup.log_dir / f"highway-{shape}-worker-{index}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "services.worker"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        )
        log.close()
    return workers


def wait_workers_ready(setup: Setup, probe: _measure.Probe, workers: list[subprocess.Popen[bytes]]) -> None:
    """Returns once every worker listens on its queue; raises RuntimeError when one exits or a minute passes."""
    # A worker opens its LISTEN session just before its claim loop starts: one listening backend per worker.
    deadline = time.time() + 60
    while sum(row["listening"] for row in probe.backends()) < len(workers):
        exited = [w for w in workers if w.poll() is not None]
        if exited or time.time() > deadline:
            raise RuntimeError(f"Highway workers did not start; see the logs in {setup.log_dir}")
        time.sleep(0.1)


def stop_processes(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each engine process (workers, an API), then waits; kills one that has not ended within 30 s."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
