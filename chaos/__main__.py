"""`python -m chaos --minutes N --runs N`: the workload under every fault, then every invariant checked.

Prints one `fault=<kind> count=<n> recovered=<n> slowest=<s>s` line per fault kind, a
`workflow_resources=<n> succeeded=<n>` line for the Workflow resources the operator ran, then
`runs=<n> lost=<n> recomputed=<n> repeated_effects=<n> deliveries_lost=<n>`, and exits 1 when an invariant failed
(each failure is printed before the last line) or a fault did not recover. With `--soak`, no faults: a steady
load at half the calibrated throughput, and the services' memory and the database's connections must stay flat.
See docs/chaos.md.
"""

from __future__ import annotations

import argparse
import random
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from chaos import _checks, _faults, _receiver, _soak, _stack, _workload

QUEUE = "default"  # the dev tenant's queue, which `hwe up` creates


def main(argv: list[str] | None = None) -> int:
    """Runs the harness; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--minutes", type=float, default=15.0, help="how long faults are injected")
    parser.add_argument("--runs", type=int, default=1200, help="runs submitted while they are (not with --soak)")
    parser.add_argument(
        "--resources",
        type=int,
        default=None,
        help="Workflow resources applied (not with --soak; default runs/30, >= 5)",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--lease", type=float, default=3.0, help="worker lease, seconds")
    parser.add_argument("--seed", type=int, default=None, help="the fault picker's seed (random by default)")
    parser.add_argument("--quiet-timeout", type=float, default=300.0, help="seconds to wait for quiescence")
    parser.add_argument("--soak", action="store_true", help="no faults: a steady load, and nothing may grow")
    parser.add_argument("--keep", type=Path, default=None, help="run in this directory and keep it (logs, ledger)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    root = args.keep or Path(tempfile.mkdtemp(prefix="hwe-chaos-"))
    root.mkdir(parents=True, exist_ok=True)
    load = "a soak at half the calibrated throughput" if args.soak else f"{args.runs} runs"
    _say(f"chaos: {args.minutes:g} min, {load}, {args.workers} workers, seed {seed}, directory {root}")
    _say("chaos: the Workflow operator runs against an emulated Kubernetes API (no apiserver runs here)")
    stack = _stack.Stack(
        root, workers=args.workers, api_port=_free_port(), kube_port=_free_port(), lease_seconds=args.lease
    )
    receiver = _receiver.Receiver()
    try:
        stack.start()
        return _run(args, stack, receiver, root, seed)
    finally:
        receiver.down()
        stack.stop()


def _run(args: argparse.Namespace, stack: _stack.Stack, receiver: _receiver.Receiver, root: Path, seed: int) -> int:
    ledger_dir = root / "ledger"
    ledger_dir.mkdir(exist_ok=True)
    workload = _workload.Workload(stack.api_url, stack.api_key, ledger_dir)
    workload.store_child()
    with workload.client() as client:
        response = client.post("/api/v1/webhooks", json={"url": receiver.url, "event_types": ["run.completed"]})
        response.raise_for_status()
        webhook = response.json()["data"]
    receiver.secret = webhook["secret"]
    seconds = args.minutes * 60.0
    faults = _faults.Faults(stack, receiver, workload, seconds, random.Random(seed))  # noqa: S311 (picks victims, not secrets)
    driver = threading.Thread(target=workload.drive, daemon=True)
    started = time.monotonic()
    driver.start()
    soak = None
    if args.soak:
        soak = _soak.run(stack, workload, args.minutes)
    else:
        submitter = threading.Thread(target=workload.submit_paced, args=(args.runs, 0.85 * seconds), daemon=True)
        resources = args.resources if args.resources is not None else max(5, args.runs // 30)
        applier = threading.Thread(
            target=workload.apply_paced, args=(stack.cluster, resources, 0.85 * seconds), daemon=True
        )
        submitter.start()
        applier.start()
        faults.run()
        faults.join()
        submitter.join()
        applier.join()
    workload.stop(answer_for=args.quiet_timeout)
    _say(f"chaos: load over after {time.monotonic() - started:.0f} s; waiting for quiescence")
    run_ids = [s.run_id for s in workload.submitted]
    quiet = _checks.wait_quiet(stack, run_ids, args.quiet_timeout)
    finished = _checks.wait_resources_finished(stack.cluster, list(workload.resources), args.quiet_timeout)
    workload.stop(answer_for=0)
    driver.join()
    verdict = _checks.judge(stack, workload.submitted, ledger_dir, receiver, webhook["webhook_id"], QUEUE)
    if not quiet:
        verdict.failures.append(f"not quiet after {args.quiet_timeout:.0f} s (runs or deliveries still pending)")
    if not finished:
        verdict.failures.append(f"Workflow resources unfinished after {args.quiet_timeout:.0f} s")
    _checks.judge_resources(stack, workload.resources, verdict)
    if workload.failed_applies:
        verdict.failures.append(
            f"{len(workload.failed_applies)} kubectl apply(s) failed, e.g. {workload.failed_applies[:2]}"
        )
    if workload.failed_submissions:
        verdict.failures.append(f"{workload.failed_submissions} submission(s) refused or unanswered")
    if workload.unanswered:
        verdict.failures.append(f"{len(workload.unanswered)} signal/approval(s) never accepted")
    if soak is not None:
        _say(f"soak: calibrated at {soak.throughput:.2f} runs/s; soaked at {soak.rate:.2f} runs/s")
        for line in soak.lines:
            _say(line)
        verdict.failures += soak.failures
    for kind in _faults.KINDS if soak is None else ():
        count, recovered = faults.counts[kind], faults.recovered[kind]
        _say(f"fault={kind} count={count} recovered={recovered} slowest={faults.slowest.get(kind, 0.0):.1f}s")
        if count == 0 or recovered < count:
            verdict.failures.append(f"fault {kind}: {recovered} of {count} recovered")
    if soak is None:
        _say(f"workflow_resources={len(workload.resources)} succeeded={verdict.resources_succeeded}")
    for note in faults.notes:
        _say(f"chaos: {note}")
    _say(
        f"chaos: {time.monotonic() - started:.0f} s in all; {workload.retried_requests} API request(s) retried; "
        f"{verdict.deliveries_dead} delivery(ies) dead-lettered"
    )
    for failure in verdict.failures:
        _say(f"FAILED: {failure}")
    _say(
        f"runs={verdict.runs} lost={verdict.lost} recomputed={verdict.recomputed} "
        f"repeated_effects={verdict.repeated_effects} deliveries_lost={verdict.deliveries_lost}"
    )
    return 0 if verdict.ok else 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
