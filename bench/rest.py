"""The REST path (issue 14, shape e): `POST /api/v1/workflows` from client threads into one real API process.

A fresh embedded PostgreSQL, real `services.worker` processes and one `python -m services.api` on a free loopback
port. (a) throughput: `--threads` clients (one keep-alive `httpx.Client` each) submit `--runs` one-step runs as
fast as they can. (b) latency: the same clients pace `--rate` runs/s for `--seconds`; once every run has finished,
created_at → first claim of its task (started_at) and → first checkpoint are read from the database (engine
clock). Prints the figures beside the issue's targets; see docs/benchmarks.md.

    python -m bench.rest [--runs 2000] [--rate 300] [--seconds 10] [--threads 8] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import _highway, _measure, _report
from hwe import db, tenants

DATABASE = "hwe_bench"
READY_TIMEOUT = 60.0


@dataclass
class Phase:
    """What one phase's client threads saw: the runs they submitted, their errors, the window they took."""

    run_ids: list[str] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    api_cpu_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response | None, problem: str = "") -> None:
        with self.lock:
            if response is not None and response.status_code == 201:
                self.run_ids.append(response.json()["data"]["workflow_run_id"])
                return
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(problem or f"{response.status_code if response else '?'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rest", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="(a) runs submitted as fast as the clients can")
    parser.add_argument("--rate", type=float, default=300.0, help="(b) runs/s offered")
    parser.add_argument("--seconds", type=float, default=10.0, help="(b) how long the rate is offered")
    parser.add_argument("--threads", type=int, default=8, help="client threads, one keep-alive connection each")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="runs in flight per worker")
    parser.add_argument("--pool-size", type=int, default=8, help="database connections per worker")
    parser.add_argument("--log-level", default="WARNING", help="the API's and workers' HWE_LOG_LEVEL")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds the runs of one phase may take")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = parser.parse_args(argv)
    if min(args.runs, args.threads, args.workers) < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("counts, rate and seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with _measure.fresh_server("hwe-bench-rest-") as (server, root):
        summary = _run(args, server, root)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_table(summary)
    return 1 if summary["throughput"]["http_errors"] or summary["latency"]["http_errors"] else 0


def _run(args: argparse.Namespace, server: Any, root: Path) -> dict[str, Any]:
    setup = _highway.setup_on(server, DATABASE, args, root / "logs")
    _highway.prepare_database(setup)
    figures = measure(setup, root, runs=args.runs, rate=args.rate, seconds=args.seconds, threads=args.threads)
    return {
        "machine": {"cpus": os.cpu_count(), "load_average_after": os.getloadavg()},
        "options": vars(args),
        **figures,
    }


def measure(
    setup: _highway.Setup, root: Path, *, runs: int, rate: float, seconds: float, threads: int
) -> dict[str, Any]:
    """Phases (a) and (b) against the prepared database of `setup` (its tenant and queue exist).

    Starts `setup.workers` workers and one API process with a secrets file and an admin key of its own (in
    `root`), stops them afterwards, and returns the figures: {"throughput": ..., "latency": ...}.
    """
    pepper = secrets.token_hex(16)
    secrets_file = root / "secrets.json"
    secrets_file.write_text(json.dumps({"api_key_pepper": pepper}))
    with db.connect(setup.url) as conn:
        key = tenants.create_api_key(conn, setup.tenant_id, "admin", pepper)
    body = {"workflow_definition": _highway.definition("bench_rest", 1), "inputs": {}}

    probe = _measure.Probe(setup.admin_url, setup.database)
    workers = _highway.start_workers(setup, "rest")
    api: subprocess.Popen[bytes] | None = None
    try:
        _highway.wait_workers_ready(setup, probe, workers)
        api, url = _start_api(setup, secrets_file, root)
        _measure.progress(f"API pid {api.pid} at {url}; workers {[w.pid for w in workers]}")
        clients = [
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) for _ in range(threads)
        ]
        _measure.progress(f"(a) throughput: {runs} runs from {threads} threads")
        burst = _measure_phase(clients, api.pid, body, runs, rate=None)
        _wait_finished(setup, burst.run_ids)
        total = round(rate * seconds)
        _measure.progress(f"(b) latency: {total} runs at {rate:g}/s offered")
        paced = _measure_phase(clients, api.pid, body, total, rate=rate)
        _wait_finished(setup, paced.run_ids)
        for client in clients:
            client.close()
        with db.connect(setup.url) as conn:
            rows = _measure.fetch(
                conn,
                "read_highway_runs",
                {"run_ids": paced.run_ids},
                checkpoints=f"hwe.c_{db.validate_queue_name(setup.queue)}",
            )
    finally:
        if api is not None:
            _highway.stop_processes([api])
        _highway.stop_processes(workers)
        probe.close()
    done = [row for row in rows if row["state"] == "completed"]
    return {
        "throughput": {
            "runs": runs,
            "threads": threads,
            "submitted": len(burst.run_ids),
            "http_errors": burst.errors,
            "error_samples": burst.error_samples,
            "seconds": round(burst.seconds, 3),
            "runs_per_second": round(len(burst.run_ids) / burst.seconds, 1) if burst.seconds else 0.0,
            "api_cpu_seconds": round(burst.api_cpu_seconds, 2),
        },
        "latency": {
            "offered_per_second": rate,
            "seconds": seconds,
            "runs": total,
            "submitted": len(paced.run_ids),
            "completed": len(done),
            "http_errors": paced.errors,
            "error_samples": paced.error_samples,
            "achieved_per_second": round(len(paced.run_ids) / paced.seconds, 1) if paced.seconds else 0.0,
            "api_cpu_seconds": round(paced.api_cpu_seconds, 2),
            "created_to_started_ms": _measure.percentiles_ms([r["started"] - r["created"] for r in done]),
            "created_to_first_checkpoint_ms": _measure.percentiles_ms(
                [r["first_step"] - r["created"] for r in done if r["first_step"] is not None]
            ),
        },
    }


def _start_api(setup: _highway.Setup, secrets_file: Path, root: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {key: value for key, value in os.environ.items() if not key.startswith("HWE_")}
    env.update(
        {
            "HWE_DATABASE_URL": setup.url,
            "HWE_SECRETS_FILE": str(secrets_file),
            "HWE_STATE_DIR": str(root / "state"),
            "HWE_LOG_LEVEL": setup.log_level,
            "HWE_API_HOST": "127.0.0.1",
            "HWE_API_PORT": str(port),
            "HWE_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",  # webhooks and HTTP tasks reach only this machine
        }
    )
    with (setup.log_dir / "api.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        api = subprocess.Popen(
            [sys.executable, "-m", "services.api"], cwd=_highway.REPO_ROOT, env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and api.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return api, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    _highway.stop_processes([api])
    raise RuntimeError(f"the API did not answer /readyz: {(setup.log_dir / 'api.log').read_text()[-2000:]}")


def _measure_phase(
    clients: list[httpx.Client], api_pid: int, body: dict[str, Any], count: int, rate: float | None
) -> Phase:
    """Submits `count` runs from one thread per client; with `rate`, request i is sent no earlier than i / rate."""
    phase = Phase()
    next_index = iter(range(count))
    index_lock = threading.Lock()
    started = time.monotonic()

    def client_loop(client: httpx.Client) -> None:
        while True:
            with index_lock:
                index = next(next_index, None)
            if index is None:
                return
            if rate is not None and (delay := started + index / rate - time.monotonic()) > 0:
                time.sleep(delay)
            try:
                phase.record(client.post("/api/v1/workflows", json=body))
            except httpx.HTTPError as err:
                phase.record(None, f"{type(err).__name__}: {err}")

    cpu_before = _measure.process_cpu_seconds(api_pid)
    threads = [threading.Thread(target=client_loop, args=(client,), name="bench-rest") for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    phase.api_cpu_seconds = _measure.process_cpu_seconds(api_pid) - cpu_before
    return phase


def _wait_finished(setup: _highway.Setup, run_ids: list[str]) -> None:
    deadline = time.monotonic() + setup.timeout_seconds
    with db.connect(setup.url) as conn:
        while _measure.fetch(conn, "count_unfinished_highway_runs", {"run_ids": run_ids})[0]["unfinished"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs unfinished after {setup.timeout_seconds:.0f}s")
            time.sleep(_highway.POLL_SECONDS)


def _print_table(summary: dict[str, Any]) -> None:
    burst, paced = summary["throughput"], summary["latency"]
    started = paced["created_to_started_ms"] or {}
    checkpoint = paced["created_to_first_checkpoint_ms"] or {}

    def verdict(value: float | None, target: float, at_least: bool) -> str:
        if value is None:
            return "n/a"
        return "met" if (value >= target if at_least else value <= target) else "MISSED"

    at_least_runs = f">= {_report.REST_RUNS_PER_SECOND:g}"
    at_most_p50, at_most_p99 = f"<= {_report.REST_P50_MS:g}", f"<= {_report.REST_P99_MS:g}"
    lines = [
        f"REST path: {summary['options']['threads']} client threads, {summary['options']['workers']} worker(s), "
        f"{summary['machine']['cpus']} CPU(s)",
        f"{'figure':<52} {'measured':>10} {'target':>10}  verdict",
        f"{'(a) runs/s submitted (' + str(burst['submitted']) + ' runs)':<52} {burst['runs_per_second']:>10} "
        f"{at_least_runs:>10}  {verdict(burst['runs_per_second'], _report.REST_RUNS_PER_SECOND, True)}",
        f"{'(a) HTTP errors':<52} {burst['http_errors']:>10} {'0':>10}",
        f"{'(a) API process CPU s / run (ms)':<52} "
        f"{round(1000 * burst['api_cpu_seconds'] / max(burst['submitted'], 1), 2):>10}",
        f"{'(b) achieved runs/s (offered ' + format(paced['offered_per_second'], 'g') + ')':<52} "
        f"{paced['achieved_per_second']:>10}",
        f"{'(b) HTTP errors':<52} {paced['http_errors']:>10} {'0':>10}",
        f"{'(b) created -> first task started, p50 ms':<52} {started.get('p50', '-'):>10} {at_most_p50:>10}  "
        f"{verdict(started.get('p50'), _report.REST_P50_MS, False)}",
        f"{'(b) created -> first task started, p95 ms':<52} {started.get('p95', '-'):>10}",
        f"{'(b) created -> first task started, p99 ms':<52} {started.get('p99', '-'):>10} {at_most_p99:>10}  "
        f"{verdict(started.get('p99'), _report.REST_P99_MS, False)}",
        f"{'(b) created -> first checkpoint, p50 / p95 / p99 ms':<52} "
        f"{checkpoint.get('p50', '-')} / {checkpoint.get('p95', '-')} / {checkpoint.get('p99', '-')}",
    ]
    for name, phase in (("(a)", burst), ("(b)", paced)):
        if phase["error_samples"]:
            lines.append(f"{name} first errors: {'; '.join(phase['error_samples'])}")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
