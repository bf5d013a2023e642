"""Runs one claimed task to one of its outcomes; does not claim.

The worker hands each claimed root task to `execute_claimed`; the claim already read the run and its
checkpoints. It runs the interpreter under a heartbeat that keeps the lease alive, and ends in exactly one
outcome, each a single transaction: SUCCESS, SLEEP (a timer or an event wait; the worker slot is released) or
FAILURE (a retry is scheduled, or the run fails). Checkpoints, SUCCESS and FAILURE go through the worker's
Committer, which may commit them together with other runs' writes; SLEEP commits alone. A lost fence (lease
expired, run cancelled) ends the attempt with no write at all.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import trio

from hwe import activities, children, committer, db, durable, errors, events, interpreter, metrics, queue, runs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended: success, failure (the workflow's), crash (the engine's) or suspended."""

    kind: str
    detail: Any = None


async def execute_claimed(
    database: db.Database,
    writer: committer.Committer,
    claim: queue.ClaimedTask,
    lease_seconds: float,
    template_env: Mapping[str, str],
) -> None:
    """Executes a claimed root task and commits its outcome.

    `writer` commits the run's checkpoints and outcome (with other runs' writes); `template_env` is what
    `{{ENV.NAME}}` may read: the worker's allow-listed environment variables.
    If the execution is cancelled (a draining worker) the run is handed back to the queue first.
    """
    finished = False
    try:
        outcome = await _run_under_lease(database, writer, claim, lease_seconds, template_env)
        finished = True
    finally:
        if not finished:
            with trio.CancelScope(shield=True):
                released = await database.run(queue.release_run, claim)
            logger.info("handed run %s back to the queue (still held: %s)", claim.run_id, released)
    if outcome is None:
        await _record_fenced_off(database, claim, "step")
        logger.warning("run %s lost its lease or was cancelled; it wrote nothing more", claim.run_id)
        return
    metrics.OUTCOMES.labels(outcome.kind).inc()
    # A child run's end emits an event to its parent, whose lock must come first in its transaction: alone.
    # Any other run's SUCCESS or FAILURE is one statement.
    alone = claim.parent_run_id is not None
    try:
        if outcome.kind == "success":
            await writer.write(_succeed, claim, outcome.detail, alone=alone, one_statement=not alone)
            metrics.RUNS_FINISHED.labels("completed").inc()
            logger.debug("run %s completed", claim.run_id)
        elif outcome.kind == "failure":
            await writer.write(_fail, claim, outcome.detail, alone=alone, one_statement=not alone)
            metrics.RUNS_FINISHED.labels("failed").inc()
            logger.info("run %s failed in task %s", claim.run_id, outcome.detail["task_id"])
        elif outcome.kind == "crash":
            task_state = await writer.write(_retry_after_crash, claim, outcome.detail, alone=alone)
            if task_state == "pending":
                metrics.TASK_RETRIES.labels("attempt").inc()
            else:
                metrics.RUNS_FINISHED.labels("failed").inc()
            logger.info("run %s attempt %s failed; task is %s", claim.run_id, claim.attempt, task_state)
    except errors.FencingLost:
        await _record_fenced_off(database, claim, outcome.kind)
        logger.warning("run %s lost its lease before its %s was committed", claim.run_id, outcome.kind)


async def _record_fenced_off(database: db.Database, claim: queue.ClaimedTask, write: str) -> None:
    """Counts and records a zombie's refused write: its transaction rolled back, so the record is its own."""
    metrics.FENCING_REJECTIONS.inc()
    detail = {"attempt": claim.attempt, "write": write}
    with trio.CancelScope(shield=True):
        try:
            await database.run(runs.append_event, claim.workflow_run_id, "fenced_write_rejected", claim.run_id, detail)
        except Exception as err:  # the record must not turn a refused write into a crash of the worker
            logger.error("could not record the refused write of run %s: %s", claim.run_id, type(err).__name__)


async def _run_under_lease(
    database: db.Database,
    writer: committer.Committer,
    claim: queue.ClaimedTask,
    lease_seconds: float,
    template_env: Mapping[str, str],
) -> Outcome | None:
    """Runs the workflow while a heartbeat renews the lease; None when the lease was lost."""
    outcome = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_keep_lease, database, claim, lease_seconds, nursery.cancel_scope)
        outcome = await _run(database, writer, claim, lease_seconds, template_env)
        nursery.cancel_scope.cancel()
    return outcome


async def _run(
    database: db.Database,
    writer: committer.Committer,
    claim: queue.ClaimedTask,
    lease_seconds: float,
    template_env: Mapping[str, str],
) -> Outcome | None:
    try:
        run, checkpoints = runs.run_to_execute(claim), list(claim.checkpoints)
        while True:
            ctx = durable.DurableContext(database, writer, claim, run.tenant_id, checkpoints, lease_seconds)
            try:
                return Outcome("success", await interpreter.run_workflow(ctx, run.plan, run.inputs, template_env))
            except errors.Suspend as suspend:
                if await database.run(_suspend, claim, run.tenant_id, suspend.request, lease_seconds):
                    return Outcome("suspended")
                # The timer was already due or the event already there: replay with the new checkpoint.
                checkpoints = await database.run(queue.load_checkpoints, claim)
    except errors.WorkflowFailed as failure:
        return Outcome("failure", {"type": "task_failed", "task_id": failure.task_id, "message": str(failure)})
    except errors.FencingLost:
        return None
    except Exception as err:  # an engine fault, not the workflow's: retry the attempt
        logger.exception("run %s failed with an engine error %s", claim.run_id, type(err).__name__)
        return Outcome("crash", {"type": "engine_error", "message": type(err).__name__})


async def _keep_lease(
    database: db.Database, claim: queue.ClaimedTask, lease_seconds: float, cancel_scope: trio.CancelScope
) -> None:
    # A lost lease (expired, taken over or cancelled) cancels the execution at once, which also
    # kills the tool's subprocess: a cancelled run stops within a third of its lease.
    while True:
        await trio.sleep(lease_seconds / 3)
        try:
            await database.run(_heartbeat, claim, lease_seconds)
        except errors.FencingLost:
            cancel_scope.cancel()
            return


def _heartbeat(conn: db.Connection, claim: queue.ClaimedTask, lease_seconds: float) -> None:
    with conn.transaction():
        queue.heartbeat_run(conn, claim, lease_seconds)
        if claim.parent_run_id is not None:  # only a child run can be an activity, whose heartbeats are kept
            activities.record_heartbeat(conn, claim, lease_seconds)


# The three outcomes, side by side. Each is one transaction: queue rows first, then the workflow
# run, then the audit record, so readers never see a run whose queue state disagrees. SUCCESS and
# FAILURE for good are one statement each (and the parent's event for a child run). They are
# transaction bodies the Committer runs (it owns their transaction, maybe shared with other runs'
# writes, and may run a body twice after a rollback); SLEEP opens its own.


def _succeed(conn: db.Connection, claim: queue.ClaimedTask, result: dict[str, Any]) -> None:
    finished = queue.complete_workflow_run(conn, claim, result, {"attempt": claim.attempt})
    children.notify_parent(conn, finished)


def _suspend(
    conn: db.Connection, claim: queue.ClaimedTask, tenant_id: str, request: object, lease_seconds: float
) -> bool:
    """SLEEP: commits a timer or an event wait and releases the run; False when it can go on at once."""
    checkpoint = _Checkpointer(claim, lease_seconds)
    with conn.transaction():
        if isinstance(request, durable.SleepRequest):
            return _sleep_until(conn, claim, request, checkpoint)
        assert isinstance(request, durable.WaitRequest)
        return _wait_for_event(conn, claim, tenant_id, request, checkpoint)


def _fail(conn: db.Connection, claim: queue.ClaimedTask, error: dict[str, Any]) -> None:
    finished = queue.fail_workflow_run(conn, claim, error, {"attempt": claim.attempt, "task_id": error["task_id"]})
    children.notify_parent(conn, finished)


def _retry_after_crash(conn: db.Connection, claim: queue.ClaimedTask, error: dict[str, Any]) -> str:
    """Fails the attempt, scheduling the next one while attempts remain; returns the task's new state."""
    delay = queue.retry_delay_seconds(runs.ROOT_RETRY_STRATEGY, claim.attempt)
    task_state = queue.fail_run(conn, claim, error, retry_delay=delay)
    if task_state == "failed":
        runs.finish_run(conn, claim.workflow_run_id, "failed", error=error)
    runs.append_event(
        conn,
        claim.workflow_run_id,
        "attempt_failed",
        claim.run_id,
        {"attempt": claim.attempt, "retry": task_state == "pending"},
    )
    return task_state


# The two kinds of SLEEP, inside the SLEEP transaction.


def _sleep_until(
    conn: db.Connection, claim: queue.ClaimedTask, request: durable.SleepRequest, checkpoint: _Checkpointer
) -> bool:
    now = queue.current_time(conn)
    wake_at = durable.wake_time(now, request)
    checkpoint(conn, request.step_name, request.position, {"wake_at": wake_at.isoformat()})
    if request.retry:  # counted in the transaction: a rollback (a lost fence) over-counts one, which rates absorb
        metrics.TASK_RETRIES.labels("step").inc()
    if wake_at <= now:
        return False
    queue.sleep_run(
        conn,
        claim,
        wake_at=wake_at,
        wake_event=None,
        run_state="sleeping",
        current_step=durable.task_of(request.step_name),
    )
    runs.append_event(conn, claim.workflow_run_id, "sleeping", claim.run_id, {"step": request.step_name})
    return True


def _wait_for_event(
    conn: db.Connection,
    claim: queue.ClaimedTask,
    tenant_id: str,
    request: durable.WaitRequest,
    checkpoint: _Checkpointer,
) -> bool:
    # The event-name lock comes first (lock order: event, runs, task), so an emit cannot land
    # between "not there yet" and the wait registration.
    events.lock_event_name(conn, tenant_id, request.event_name)
    found = events.find_event(conn, claim.queue, tenant_id, request.event_name, claim.task_id)
    wait = events.find_wait(conn, claim.queue, claim.task_id, request.step_name)
    if found is not None or (wait is not None and wait["expired"]):
        # The outcome, an event or the timeout, is checkpointed, so replay sees the same thing.
        checkpoint(conn, request.step_name, request.position, events.wait_outcome(request.event_name, found))
        events.delete_wait(conn, claim.queue, claim.task_id, request.step_name)
        return False
    timeout_at = events.register_wait(
        conn,
        claim.queue,
        task_id=claim.task_id,
        run_id=claim.run_id,
        workflow_run_id=claim.workflow_run_id,
        tenant_id=tenant_id,
        step_name=request.step_name,
        position=request.position,
        event_name=request.event_name,
        timeout_seconds=request.timeout_seconds,
    )
    queue.sleep_run(
        conn,
        claim,
        wake_at=timeout_at,
        wake_event=request.event_name,
        run_state="waiting",
        current_step=durable.task_of(request.step_name),
    )
    runs.append_event(conn, claim.workflow_run_id, "waiting", claim.run_id, {"step": request.step_name})
    return True


@dataclass(frozen=True)
class _Checkpointer:
    """Writes a SLEEP path's checkpoint, fenced and renewing the lease like every step."""

    claim: queue.ClaimedTask
    lease_seconds: float

    def __call__(self, conn: db.Connection, step_name: str, position: int, state: Any) -> None:
        queue.checkpoint_step(
            conn,
            self.claim,
            step_name=step_name,
            position=position,
            state=state,
            context_patch={},
            lease_seconds=self.lease_seconds,
        )
