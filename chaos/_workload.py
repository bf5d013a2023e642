"""The workload: mixed workflow shapes submitted through the REST API, and the driver that answers their waits.

Every request is retried until the API answers (it is killed now and then), under an idempotency key, so a retry
never submits a second run or sends a second signal. Each shape knows the result its run must end with. Workflow
resources go to the emulated cluster with kubectl instead, and the operator submits their runs.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from highway_dsl import WorkflowBuilder

from chaos import _kube

CHAIN_STEPS = ("s1", "s2", "s3", "s4", "s5")
# Each chain step appends `run step attempt pid started_at token` to its run's ledger, waits a little (a window for
# a kill between the side effect and its commit) and returns the token: the ledger then says which execution's
# result was committed, and whether any execution started after that commit.
_LEDGER_STEP = (
    'L={{inputs.dir}}/$HIGHWAY_WORKFLOW_RUN_ID.ledger; touch "$L"; A=$(( $(grep -c " STEP " "$L") + 1 )); '
    'T=$$-$(date +%s%N); echo "$HIGHWAY_WORKFLOW_RUN_ID STEP $A $PPID $(date +%s.%N) $T" >> "$L"; '
    'sleep {{inputs.pause}}; printf %s "$T"'
)
CHILD_WORKFLOW = "chaos_child"
APPROVER = "chaos"
REQUEST_RETRY_SECONDS = 180.0
SHAPES = ("chain", "timer", "signal", "parallel", "child", "approval")
RESOURCE_PREFIX = "chaos-op-"


def _wire(builder: WorkflowBuilder) -> dict[str, Any]:
    wire: dict[str, Any] = json.loads(builder.build().to_json())
    return wire


def chain() -> dict[str, Any]:
    """Five steps in a row, each appending to the run's ledger."""
    builder = WorkflowBuilder("chaos_chain", version="1.0.0")
    for step in CHAIN_STEPS:
        builder.task(step, "tools.shell.run", args=[_LEDGER_STEP.replace("STEP", step)], result_key=step)
    return _wire(builder)


def timer() -> dict[str, Any]:
    """A durable timer between two steps."""
    builder = WorkflowBuilder("chaos_timer", version="1.0.0")
    builder.task("before", "tools.shell.run", args=["printf before"], result_key="before")
    builder.wait("nap", wait_for=timedelta(seconds=3))
    builder.task("after", "tools.shell.run", args=["printf 'woke-{{inputs.n}}'"], result_key="after")
    return _wire(builder)


def signal_wait() -> dict[str, Any]:
    """Waits for the signal `go`, then reports its payload."""
    builder = WorkflowBuilder("chaos_signal", version="1.0.0")
    builder.wait_for_event("go", event_name="signal:go", timeout_seconds=3600, result_key="got")
    builder.task("use", "tools.shell.run", args=["printf 'got-{{got.payload.v}}'"], result_key="use")
    return _wire(builder)


def parallel() -> dict[str, Any]:
    """A fork of two branches (child runs; one sleeps first), their wait, a join, and a step reading both."""
    builder = WorkflowBuilder("chaos_parallel", version="1.0.0")
    builder.parallel(
        "fork",
        branches={
            "a": lambda b: b.task("a1", "tools.shell.run", args=["printf 'a{{inputs.n}}'"], result_key="a1"),
            "b": lambda b: b.wait("b_pause", "PT1S").task(
                "b1", "tools.shell.run", args=["printf 'b{{inputs.n}}'"], result_key="b1"
            ),
        },
        result_key="fork_data",
    )
    builder.task(
        "wait_branches",
        "tools.workflow.wait_for_parallel_branches",
        args=["{{fork_data}}"],
        kwargs={"timeout_seconds": 3600},
        result_key="branches",
        dependencies=["fork"],
    )
    builder.join("joined", join_tasks=["a1", "b1"], join_mode="all_success", dependencies=["wait_branches"])
    builder.task(
        "after",
        "tools.shell.run",
        args=["printf '{{branches.a.result.stdout}}-{{branches.b.result.stdout}}'"],
        result_key="after",
        dependencies=["joined"],
    )
    return _wire(builder)


def child_definition() -> dict[str, Any]:
    """The stored workflow the `child` shape starts: doubles `inputs.n`."""
    builder = WorkflowBuilder(CHILD_WORKFLOW, version="1.0.0")
    builder.task("double", "tools.shell.run", args=["printf $(( {{inputs.n}} * 2 ))"], result_key="doubled")
    return _wire(builder)


def child() -> dict[str, Any]:
    """Starts the stored child workflow and returns its result."""
    builder = WorkflowBuilder("chaos_parent", version="1.0.0")
    builder.task(
        "sub",
        "tools.workflow.execute",
        kwargs={"workflow_name": CHILD_WORKFLOW, "inputs": {"n": "{{inputs.n}}"}},
        result_key="sub",
    )
    return _wire(builder)


def approval() -> dict[str, Any]:
    """Asks for an approval (given through the API), then reports who decided what."""
    builder = WorkflowBuilder("chaos_approval", version="1.0.0")
    builder.task(
        "approve",
        "tools.approval.request",
        kwargs={"message": "go on with {{inputs.n}}?", "timeout_seconds": 3600},
        result_key="approval",
    )
    builder.task(
        "report", "tools.shell.run", args=["printf '{{approval.approver}} {{approval.approved}}'"], result_key="report"
    )
    return _wire(builder)


DEFINITIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "chain": chain,
    "timer": timer,
    "signal": signal_wait,
    "parallel": parallel,
    "child": child,
    "approval": approval,
    "canary": lambda: _wire(
        WorkflowBuilder("chaos_canary", version="1.0.0").task(
            "hi", "tools.shell.run", args=["printf ok"], result_key="hi"
        )
    ),
}


def resource_workflow_name(n: int) -> str:
    """The workflow name of resource `n`'s definition: its own, so that its engine runs can be counted by name."""
    return f"chaos_operator_{n}"


def resource(n: int) -> dict[str, Any]:
    """Workflow resource `n`: a step, a durable 1 s timer, a step reporting its input."""
    builder = WorkflowBuilder(resource_workflow_name(n), version="1.0.0")
    builder.task("before", "tools.shell.run", args=["printf before"], result_key="before")
    builder.wait("nap", wait_for=timedelta(seconds=1))
    builder.task("after", "tools.shell.run", args=["printf 'op-{{inputs.number}}'"], result_key="after")
    return {
        "apiVersion": "highway.dev/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"{RESOURCE_PREFIX}{n}"},
        # Written as a person would, without null fields (a merge patch would read a null as "delete"); the input
        # is not `n`, which kubectl's YAML 1.1 reads as the key `false`.
        "spec": {"definition": _without_nulls(_wire(builder)), "inputs": {"number": n}},
    }


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def expected_output(shape: str, n: int) -> tuple[str, str] | None:
    """The (result key, stdout) the run must end with; None for the chain, which the ledger judges."""
    return {
        "timer": ("after", f"woke-{n}"),
        "signal": ("use", f"got-{n}"),
        "parallel": ("after", f"a{n}-b{n}"),
        "child": ("sub", str(2 * n)),
        "approval": ("report", f"{APPROVER} true"),
        "canary": ("hi", "ok"),
    }.get(shape)


# The audit records every completed run of a shape must have besides its submission and its end: the transitions
# it cannot skip. (A signal sent before its run waits is taken at once, with no `waiting`; a fork's children may
# finish before their parent waits.)
AUDIT_TYPES = {
    "chain": set(),
    "timer": {"sleeping"},
    "signal": {"signal_received"},
    "parallel": set(),
    "child": set(),
    "approval": {"waiting", "approval_decided"},
    "canary": set(),
}


def output_of(shape: str, context: dict[str, Any], key: str) -> Any:
    """What the run's result key holds, as `expected_output` names it."""
    value = context.get(key)
    if not isinstance(value, dict):
        return None
    if shape == "child":
        result = value.get("result")
        return result.get("stdout") if isinstance(result, dict) else None
    return value.get("stdout")


@dataclass(frozen=True)
class Submitted:
    """One run the API accepted."""

    run_id: str
    shape: str
    n: int


@dataclass
class Workload:
    """Submits runs and answers their signals and approvals; every list is read after `stop`."""

    api_url: str
    api_key: str
    ledger_dir: Path
    submitted: list[Submitted] = field(default_factory=list)
    resources: dict[str, int] = field(default_factory=dict)  # applied Workflow resources: name -> n
    failed_applies: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    failed_submissions: int = 0
    retried_requests: int = 0
    _actions: list[tuple[str, str, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _give_up_at: float = float("inf")  # when the driver stops answering, once submitting stopped

    def client(self) -> httpx.Client:
        """An API client for one thread."""
        return httpx.Client(
            base_url=self.api_url, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=httpx.Timeout(15.0)
        )

    def request(self, client: httpx.Client, method: str, path: str, key: str, body: dict[str, Any]) -> httpx.Response:
        """Sends until the API answers other than 5xx/429 (or the retry window closes), under one idempotency key."""
        deadline = time.monotonic() + REQUEST_RETRY_SECONDS
        while True:
            try:
                response = client.request(method, path, json=body, headers={"X-Idempotency-Key": key})
                if response.status_code < 500 and response.status_code != 429:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {path} got no answer for {REQUEST_RETRY_SECONDS:.0f} s")
            with self._lock:
                self.retried_requests += 1
            time.sleep(0.5)

    def store_child(self) -> None:
        """Stores the workflow the `child` shape starts."""
        with self.client() as client:
            response = self.request(
                client,
                "POST",
                "/api/v1/workflows/definitions",
                "chaos-child",
                {"workflow_definition": child_definition()},
            )
            if response.status_code not in (200, 201):
                raise RuntimeError(f"could not store {CHILD_WORKFLOW}: {response.status_code} {response.text}")

    def submit(self, client: httpx.Client, shape: str, n: int) -> str | None:
        """Submits one run of `shape`; its id, or None when the API refused it (counted)."""
        body = {
            "workflow_definition": DEFINITIONS[shape](),
            "inputs": {"n": n, "dir": str(self.ledger_dir), "pause": 0.2},
        }
        try:
            response = self.request(client, "POST", "/api/v1/workflows", f"chaos-{shape}-{n}", body)
        except TimeoutError:
            response = None
        if response is None or response.status_code not in (200, 201):
            with self._lock:
                self.failed_submissions += 1
            return None
        run_id = str(response.json()["data"]["workflow_run_id"])
        with self._lock:
            self.submitted.append(Submitted(run_id, shape, n))
            if shape in ("signal", "approval"):
                self._actions.append((run_id, shape, n))
        return run_id

    def submit_paced(self, count: int, seconds: float) -> None:
        """Submits `count` runs, shapes in turn (the chain twice as often), evenly over `seconds`."""
        order = ["chain", *SHAPES]
        started = time.monotonic()
        with self.client() as client:
            for n in range(count):
                if self._stop.is_set():
                    return
                self.submit(client, order[n % len(order)], n)
                pause = started + (n + 1) * seconds / count - time.monotonic()
                if pause > 0:
                    self._stop.wait(pause)

    def apply_paced(self, cluster: _kube.Cluster, count: int, seconds: float) -> None:
        """Applies `count` Workflow resources with kubectl, evenly over `seconds`."""
        started = time.monotonic()
        for n in range(count):
            if self._stop.is_set():
                return
            manifest = resource(n)
            name = manifest["metadata"]["name"]
            try:
                cluster.apply(manifest)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
                with self._lock:
                    self.failed_applies.append(f"{name}: {err}")
            else:
                with self._lock:
                    self.resources[name] = n
            pause = started + (n + 1) * seconds / count - time.monotonic()
            if pause > 0:
                self._stop.wait(pause)

    def drive(self) -> None:
        """Answers waiting runs until `stop`: the signal `go` for signal runs, an approval for approval runs."""
        with self.client() as client:
            while not self._stop.is_set() or self._pending_actions():
                with self._lock:
                    actions = list(self._actions)
                for action in actions:
                    if self._answer(client, *action):
                        with self._lock:
                            self._actions.remove(action)
                if self._stop.is_set() and time.monotonic() > self._give_up_at:
                    break
                time.sleep(0.5)
        with self._lock:
            self.unanswered = [run_id for run_id, _, _ in self._actions]

    def stop(self, answer_for: float) -> None:
        """Stops submitting; the driver goes on answering for up to `answer_for` seconds."""
        self._give_up_at = time.monotonic() + answer_for
        self._stop.set()

    def _pending_actions(self) -> bool:
        with self._lock:
            return bool(self._actions)

    def _answer(self, client: httpx.Client, run_id: str, shape: str, n: int) -> bool:
        try:
            if shape == "signal":
                response = self.request(
                    client,
                    "POST",
                    f"/api/v1/workflows/{run_id}/signals",
                    f"go-{run_id}",
                    {"signal_name": "go", "payload": {"v": n}},
                )
                return response.status_code in (200, 201, 202)
            response = self.request(
                client,
                "POST",
                f"/api/v1/approvals/{run_id}:approve/approve",
                f"approve-{run_id}",
                {"approver": APPROVER},
            )
        except TimeoutError:
            return False
        # 404: the run has not asked yet; 409: already decided (by this harness, whose answer was lost).
        return response.status_code in (200, 409)

    def canary(self, timeout: float = 240.0) -> bool:
        """Submits a one-step run and says whether it completed within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.client() as client:
            n = int(time.time() * 1000)
            run_id = self.submit(client, "canary", n)
            if run_id is None:
                return False
            while time.monotonic() < deadline:
                try:
                    state = client.get(f"/api/v1/workflows/{run_id}").json()["data"]["state"]
                except (httpx.HTTPError, KeyError, ValueError):
                    state = None
                if state == "completed":
                    return True
                if state in ("failed", "cancelled"):
                    return False
                time.sleep(0.5)
        return False
