"""The DAG scheduler: runs a graph's tasks as their trigger rules allow, independent ones concurrently.

Called by `run_workflow` for the workflow and by `_loops` for each loop iteration. A task is
decided when its gates (switch/condition choice, handler trigger), its upstream tasks under its
trigger_rule and, for a join, its join_tasks allow: it runs in a trio nursery, or it is skipped,
which propagates (Airflow semantics). A Suspend lets the tasks in flight finish and commit, then
stops the graph; a terminate cancels them. It does not run operators itself (`_nodes` does).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import trio

from hwe import errors
from hwe.interpreter import _control, _nodes
from hwe.interpreter._frame import TERMINAL, Frame, Outcome, Termination
from hwe.interpreter._plan import Step

logger = logging.getLogger(__name__)


@dataclass
class GraphResult:
    """How a graph ended: its unhandled failures (task id → message), output and any termination."""

    failures: dict[str, str] = field(default_factory=dict)
    output: Any = None
    termination: Termination | None = None


async def run_graph(frame: Frame, steps: tuple[Step, ...]) -> GraphResult:
    """Runs every task of `steps` whose trigger rule can be met; returns when all are decided.

    Raises:
        Suspend: a task sleeps or waits; tasks already running finished and committed first.
    """
    graph = _Graph(frame, {step.task_id: step for step in steps})
    send, receive = trio.open_memory_channel[tuple[str, Outcome]](math.inf)
    try:
        async with trio.open_nursery() as nursery:
            await graph.drive(nursery, send, receive)
    except BaseExceptionGroup as group:
        raise single_error(group) from None
    if graph.suspend is not None and graph.termination is None:
        raise graph.suspend
    return graph.result()


def single_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception the orchestrator should see from a nursery's group (never a group)."""
    leaves: list[BaseException] = []

    def collect(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                collect(inner)
        else:
            leaves.append(error)

    collect(group)
    real = [leaf for leaf in leaves if not isinstance(leaf, trio.Cancelled)]
    return (real or leaves)[0]


class _Graph:
    """The live states of one graph run; decides which tasks run or skip next."""

    def __init__(self, frame: Frame, steps: dict[str, Step]) -> None:
        self.frame = frame
        self.steps = steps
        self.states = frame.states
        self.states.update({task_id: "pending" for task_id in steps})
        self.chosen: dict[str, tuple[str, ...]] = {}
        self.suspend: errors.Suspend | None = None
        self.termination: Termination | None = None
        self.errors: dict[str, str] = {}
        self.output: Any = None
        # Who must be decided again when a task finishes: the tasks whose dependencies, gates or
        # join_tasks name it. Deciding only those keeps a long chain linear instead of quadratic.
        self.watchers: dict[str, list[str]] = {}
        for task_id, step in steps.items():
            sources = {*step.dependencies, *(gate.source for gate in step.gates)}
            if step.operator_type == "join":
                sources.update(step.operator.join_tasks)
            for source in sources:
                self.watchers.setdefault(source, []).append(task_id)
        self.undecided: dict[str, None] = dict.fromkeys(steps)  # insertion-ordered set: definition order first
        # A join may watch tasks of another graph (a loop body), so every finish re-decides the joins.
        self.joins = [task_id for task_id, step in steps.items() if step.operator_type == "join"]

    async def drive(
        self,
        nursery: trio.Nursery,
        send: trio.MemorySendChannel[tuple[str, Outcome]],
        receive: trio.MemoryReceiveChannel[tuple[str, Outcome]],
    ) -> None:
        """Starts ready tasks and decides the rest as outcomes arrive, until nothing runs."""
        running = self._launch(nursery, send)
        while running:
            task_id, outcome = await receive.receive()
            running -= 1
            self._finish(task_id, outcome)
            if self.termination is not None:
                nursery.cancel_scope.cancel()
                break
            if self.suspend is None:
                running += self._launch(nursery, send)
        self._skip_undecided()

    def result(self) -> GraphResult:
        """The graph's result; a failure counts as handled when its on_failure handler succeeded."""
        failures = {
            task_id: message
            for task_id, message in self.errors.items()
            if self.states.get(self.steps[task_id].operator.on_failure_task_id or "") != "success"
        }
        return GraphResult(failures, self.output, self.termination)

    def _launch(self, nursery: trio.Nursery, send: trio.MemorySendChannel[tuple[str, Outcome]]) -> int:
        # Decides the tasks queued for a decision; a skip queues its own watchers, so skips propagate.
        launched = 0
        while self.undecided:
            task_id = next(iter(self.undecided))
            del self.undecided[task_id]
            if self.states[task_id] != "pending":
                continue
            step = self.steps[task_id]
            decision = self._decide(step)
            if decision == "skip":
                self.states[task_id] = "skipped"
                logger.debug("task %s skipped", task_id)
                self._requeue_watchers(task_id)
            elif decision == "run":
                self.states[task_id] = "running"
                nursery.start_soon(_run_one, self.frame, step, send)
                launched += 1
        return launched

    def _requeue_watchers(self, task_id: str) -> None:
        for watcher in (*self.watchers.get(task_id, ()), *self.joins):
            self.undecided[watcher] = None

    def _finish(self, task_id: str, outcome: Outcome) -> None:
        if outcome.suspend is not None:
            self.states[task_id] = "pending"
            self.suspend = self.suspend or outcome.suspend
            return
        self.states[task_id] = outcome.state
        self.chosen[task_id] = outcome.chosen
        self._requeue_watchers(task_id)
        if outcome.state == "success":
            self.output = outcome.value
        elif outcome.state == "failed":
            self.errors[task_id] = outcome.error or f"task {task_id!r} failed"
            logger.info("task %s failed", task_id)
        if outcome.termination is not None:
            self.termination = outcome.termination

    def _skip_undecided(self) -> None:
        # After a terminate every task not yet finished is skipped (a terminate outranks a pending
        # suspend: it is committed, and the run ends now). Otherwise nothing is left undecided in
        # an acyclic graph, unless the graph stopped to suspend and will be replayed.
        if self.suspend is not None and self.termination is None:
            return
        for task_id, state in self.states.items():
            if task_id in self.steps and state in ("pending", "running"):
                self.states[task_id] = "skipped"

    def _decide(self, step: Step) -> str:
        gate = self._gate(step)
        if gate != "run":
            return gate
        decision = trigger(step.trigger_rule, [self.states[d] for d in step.dependencies])
        if decision != "run" or step.operator_type != "join":
            return decision
        mode = str(getattr(step.operator.join_mode, "value", step.operator.join_mode))
        waited = {task_id: self.states.get(task_id, "pending") for task_id in step.operator.join_tasks}
        return "run" if _control.join_ready(mode, waited) else "wait"

    def _gate(self, step: Step) -> str:
        # A gated task runs when any of its gates opens, and is skipped once all stayed closed.
        if not step.gates:
            return "run"
        undecided = False
        for gate in step.gates:
            state = self.states[gate.source]
            if state not in TERMINAL:
                undecided = True
            elif (
                (gate.kind == "branch" and state == "success" and step.task_id in self.chosen.get(gate.source, ()))
                or (gate.kind == "on_success" and state == "success")
                or (gate.kind == "on_failure" and state == "failed")
            ):
                return "run"
        return "wait" if undecided else "skip"


def trigger(rule: str, upstream: list[str]) -> str:
    """Decides a task from its upstream states: `run`, `skip` or `wait` (Airflow trigger rules)."""
    if not upstream:
        return "run"
    done = all(state in TERMINAL for state in upstream)
    succeeded = upstream.count("success")
    failed = upstream.count("failed")
    if rule == "all_done":
        return "run" if done else "wait"
    if rule == "one_success":
        return "run" if succeeded else ("skip" if done else "wait")
    if rule == "one_done":
        return "run" if succeeded or failed else ("skip" if done else "wait")
    if rule == "none_failed":
        return "skip" if failed else ("run" if done else "wait")
    # all_success: a failed or skipped upstream skips the task at once (Airflow's upstream_failed).
    if failed or "skipped" in upstream:
        return "skip"
    return "run" if done else "wait"


async def _run_one(frame: Frame, step: Step, send: trio.MemorySendChannel[tuple[str, Outcome]]) -> None:
    try:
        outcome = await _nodes.run_node(frame, step)
    except errors.Suspend as suspend:
        outcome = Outcome("pending", suspend=suspend)
    send.send_nowait((step.task_id, outcome))
