"""The invariants, judged from the database, the ledger and the receiver once the stack is quiet.

- every accepted run is terminal with its shape's expected result (`lost` counts those that are not);
- no committed step result was recomputed: no ledger line of a step started after its checkpoint was written;
- repeated side effects (more than one ledger line for a step) are counted: at-least-once allows them only
  before the commit, which the previous check proves;
- the audit trail of every run holds its `submitted`, `api_request` and terminal records, and the transitions its
  shape cannot skip (a timer's `sleeping`, a signal's `signal_received`, an approval's `waiting` and decision);
- every run's `run.completed` webhook delivery exists and ended delivered (and was received, signature verified)
  or dead-lettered: `deliveries_lost` counts the others;
- no lease, wait, advisory lock or queued task is left, and no pending delivery;
- every applied Workflow resource reached `Succeeded` for its current generation, with exactly one engine run per
  generation (counted by the definition's workflow name, unique per resource), the status naming it, and the
  run completed with the resource's expected result;
- no service exited on its own: the supervisor restarted only the processes the harness killed.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos import _kube, _receiver, _stack, _workload

# `hwe up`'s line for a service that ended; -9 is the harness's kill, any other status a crash of its own.
_EXITED = re.compile(r"hwe\.cli\.up_command: (\S+) exited with status (-?\d+); restarting")
FINISHED_PHASES = ("Succeeded", "Failed", "Cancelled")
TERMINAL_AUDIT = {"completed": "completed", "failed": "failed", "cancelled": "cancelled"}


@dataclass
class Verdict:
    """The figures of the final line, and why any invariant failed."""

    runs: int = 0
    lost: int = 0
    recomputed: int = 0
    repeated_effects: int = 0
    deliveries_lost: int = 0
    deliveries_dead: int = 0
    resources_succeeded: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every invariant held."""
        return not self.failures


def wait_quiet(stack: _stack.Stack, run_ids: list[str], timeout: float) -> bool:
    """Waits until every run is terminal and no delivery is pending; False when `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = _stack.fetch(stack.database_url, "count_unfinished", {"run_ids": run_ids})[0]
        if row["runs"] == 0 and row["deliveries"] == 0:
            return True
        time.sleep(1.0)
    return False


def wait_resources_finished(cluster: _kube.Cluster, names: list[str], timeout: float) -> bool:
    """Waits until every named Workflow resource reports a finished phase; False when `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = cluster.workflows()
        except RuntimeError:
            found = {}
        phases = [(found.get(name, {}).get("status") or {}).get("phase") for name in names]
        if all(phase in FINISHED_PHASES for phase in phases):
            return True
        time.sleep(1.0)
    return False


def judge_resources(stack: _stack.Stack, resources: dict[str, int], verdict: Verdict) -> None:
    """Every applied resource `Succeeded`, with one completed engine run per generation and its expected result."""
    found = stack.cluster.workflows()
    names = {_workload.resource_workflow_name(n): name for name, n in resources.items()}
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _stack.fetch(stack.database_url, "read_runs_named", {"names": list(names)}):
        runs[names[row["workflow_name"]]].append(row)
    wrong: list[str] = []
    for name, n in sorted(resources.items()):
        item = found.get(name)
        status = (item or {}).get("status") or {}
        generation = int((item or {}).get("metadata", {}).get("generation") or 1)
        its_runs = runs.get(name, [])
        run = next((r for r in its_runs if r["run_id"] == status.get("runId")), None)
        output = _workload.output_of("resource", run["context"], "after") if run is not None else None
        if item is None:
            wrong.append(f"{name}: missing")
        elif status.get("phase") != "Succeeded" or status.get("observedGeneration") != generation:
            wrong.append(f"{name}: {status.get('phase')} for generation {status.get('observedGeneration')}")
        elif len(its_runs) != generation:
            wrong.append(f"{name}: {len(its_runs)} engine run(s) for {generation} generation(s)")
        elif run is None or run["state"] != "completed" or output != f"op-{n}":
            wrong.append(f"{name}: run {status.get('runId')} is {run and run['state']} with {output!r}")
        else:
            verdict.resources_succeeded += 1
    if wrong:
        verdict.failures.append(f"{len(wrong)} Workflow resource(s) not succeeded once, e.g. {wrong[:3]}")


def judge(
    stack: _stack.Stack,
    submitted: list[_workload.Submitted],
    ledger_dir: Path,
    receiver: _receiver.Receiver,
    webhook_id: str,
    queue: str,
) -> Verdict:
    """Checks every invariant; the verdict's failures name each broken one with an example."""
    verdict = Verdict(runs=len(submitted))
    run_ids = [s.run_id for s in submitted]
    url = stack.database_url
    rows = {row["run_id"]: row for row in _stack.fetch(url, "read_runs", {"run_ids": run_ids})}
    _check_results(verdict, submitted, rows)
    chains = [s.run_id for s in submitted if s.shape == "chain"]
    commits = _stack.fetch(url, "read_step_commits", {"run_ids": chains}, checkpoints=f"hwe.c_{queue}")
    _check_ledger(verdict, chains, rows, commits, ledger_dir)
    audit = {row["run_id"]: set(row["types"]) for row in _stack.fetch(url, "read_audit_types", {"run_ids": run_ids})}
    _check_audit(verdict, submitted, rows, audit)
    deliveries = _stack.fetch(url, "read_deliveries", {"webhook_id": webhook_id})
    with receiver.lock:
        received = set(receiver.received)
        unverified = receiver.unverified
    _check_deliveries(verdict, rows, deliveries, received)
    if unverified:
        verdict.failures.append(f"{unverified} webhook request(s) failed the signature check")
    leftovers = _stack.fetch(
        url, "count_leftovers", runs=f"hwe.r_{queue}", waits=f"hwe.w_{queue}", tasks=f"hwe.t_{queue}"
    )[0]
    for name, count in leftovers.items():
        if count:
            verdict.failures.append(f"left behind: {count} {name.replace('_', ' ')}")
    crashes = [f"{name} ({status})" for name, status in _EXITED.findall(stack.log_path.read_text(errors="replace"))]
    crashes = [crash for crash in crashes if not crash.endswith("(-9)")]
    if crashes:
        verdict.failures.append(f"{len(crashes)} service exit(s) the harness did not cause: {crashes[:6]}")
    return verdict


def _check_results(verdict: Verdict, submitted: list[_workload.Submitted], rows: dict[str, Any]) -> None:
    wrong: list[str] = []
    for run in submitted:
        row = rows.get(run.run_id)
        if row is None or row["state"] != "completed":
            verdict.lost += 1
            state = "missing" if row is None else f"{row['state']} {str(row['error'])[:200]}"
            wrong.append(f"{run.shape} {run.run_id}: {state}")
            continue
        expected = _workload.expected_output(run.shape, run.n)
        if expected is not None:
            key, value = expected
            got = _workload.output_of(run.shape, row["context"], key)
            if got != value:
                verdict.lost += 1
                wrong.append(f"{run.shape} {run.run_id}: {key} is {got!r}, not {value!r}")
    if wrong:
        verdict.failures.append(f"{len(wrong)} run(s) not completed with their result, e.g. {wrong[:3]}")


def _check_ledger(
    verdict: Verdict, chains: list[str], rows: dict[str, Any], commits: list[dict[str, Any]], ledger_dir: Path
) -> None:
    committed_at: dict[tuple[str, str], float] = {}
    for commit in commits:
        step = commit["step_name"]
        if step in _workload.CHAIN_STEPS:
            committed_at[(commit["run_id"], step)] = commit["committed_at"]
    problems: list[str] = []
    for run_id in chains:
        lines: dict[str, list[tuple[float, str]]] = defaultdict(list)
        ledger = ledger_dir / f"{run_id}.ledger"
        text = ledger.read_text() if ledger.exists() else ""
        for line in text.splitlines():
            fields = line.split()
            if len(fields) == 6 and fields[0] == run_id:
                lines[fields[1]].append((float(fields[4]), fields[5]))
        row = rows.get(run_id)
        context = row["context"] if row is not None else {}
        for step in _workload.CHAIN_STEPS:
            executions = lines.get(step, [])
            verdict.repeated_effects += max(0, len(executions) - 1)
            committed = committed_at.get((run_id, step))
            if committed is not None:
                late = [token for started, token in executions if started > committed]
                verdict.recomputed += len(late)
                if late:
                    problems.append(f"{run_id} {step} ran again after its commit ({len(late)}x)")
            result = context.get(step)
            token = result.get("stdout") if isinstance(result, dict) else None
            if row is not None and row["state"] == "completed" and token not in {t for _, t in executions}:
                problems.append(f"{run_id} {step}: committed result {token!r} is no execution in the ledger")
    if verdict.recomputed:
        problems.insert(0, f"{verdict.recomputed} committed step result(s) recomputed")
    if problems:
        verdict.failures.append(f"ledger: {problems[:4]}")


def _check_audit(
    verdict: Verdict, submitted: list[_workload.Submitted], rows: dict[str, Any], audit: dict[str, set[str]]
) -> None:
    missing = []
    for run in submitted:
        row = rows.get(run.run_id)
        if row is None:
            continue  # lost, counted already
        needed = {"submitted", "api_request", TERMINAL_AUDIT.get(row["state"], row["state"])}
        if row["state"] == "completed":
            needed |= _workload.AUDIT_TYPES[run.shape]
        types = audit.get(run.run_id, set())
        if not needed <= types:
            missing.append(f"{run.shape} {run.run_id} lacks {sorted(needed - types)}")
    if missing:
        verdict.failures.append(f"audit trail incomplete for {len(missing)} run(s), e.g. {missing[:3]}")


def _check_deliveries(
    verdict: Verdict, rows: dict[str, Any], deliveries: list[dict[str, Any]], received: set[str]
) -> None:
    by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for delivery in deliveries:
        if delivery["event_type"] == "run.completed":
            by_run[delivery["run_id"]].append(delivery)
    lost = []
    for run_id, row in rows.items():
        if row["state"] != "completed":
            continue
        found = by_run.get(run_id, [])
        if not found:
            lost.append(f"{run_id}: no delivery")
        for delivery in found:
            if delivery["state"] == "dead":
                verdict.deliveries_dead += 1
            elif delivery["state"] != "delivered" or delivery["delivery_id"] not in received:
                lost.append(f"{delivery['delivery_id']}: {delivery['state']}, never received")
    verdict.deliveries_lost = len(lost)
    if lost:
        verdict.failures.append(f"{len(lost)} webhook delivery(ies) lost, e.g. {lost[:3]}")
