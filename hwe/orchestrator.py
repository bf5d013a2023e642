"""Runs one claimed task to one of its outcomes; does not claim.

The worker hands each claimed root task to `execute_claimed`. It loads the run and its
checkpoints, runs the interpreter under a heartbeat that keeps the lease alive, and ends in
exactly one outcome, each a single transaction (SUCCESS, FAILURE; SLEEP joins with timers and
events). A lost fence ends the attempt with no write: the new holder of the run owns the outcome.
"""

from __future__ import annotations

import logging
from typing import Any

import trio

from hwe import db, durable, errors, interpreter, queue, runs

logger = logging.getLogger(__name__)


async def execute_claimed(database: db.Database, claim: queue.ClaimedTask, lease_seconds: float) -> None:
    """Executes a claimed root task and commits its outcome.

    If the execution is cancelled (a draining worker) the run is handed back to the queue first.
    """
    finished = False
    try:
        outcome = await _run_under_lease(database, claim, lease_seconds)
        finished = True
    finally:
        if not finished:
            with trio.CancelScope(shield=True):
                released = await database.run(queue.release_run, claim)
            logger.info("handed run %s back to the queue (still held: %s)", claim.run_id, released)
    if outcome is None:
        logger.warning("run %s lost its lease; its new holder decides the outcome", claim.run_id)
        return
    await database.run(_commit_outcome, claim, *outcome)


async def _run_under_lease(
    database: db.Database, claim: queue.ClaimedTask, lease_seconds: float
) -> tuple[str, Any] | None:
    """Runs the workflow while a heartbeat renews the lease; None when the lease was lost."""
    outcome = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_keep_lease, database, claim, lease_seconds, nursery.cancel_scope)
        outcome = await _run(database, claim, lease_seconds)
        nursery.cancel_scope.cancel()
    return outcome


async def _run(database: db.Database, claim: queue.ClaimedTask, lease_seconds: float) -> tuple[str, Any] | None:
    run, checkpoints = await database.run(_load, claim)
    ctx = durable.DurableContext(database, claim, checkpoints, lease_seconds)
    try:
        return "success", await interpreter.run_workflow(ctx, run.plan, run.inputs)
    except errors.WorkflowFailed as failure:
        return "failure", {"type": "task_failed", "task_id": failure.task_id, "message": str(failure)}
    except errors.FencingLost:
        return None
    except Exception as err:  # an engine fault, not the workflow's: retry the attempt
        logger.exception("run %s failed with an engine error %s", claim.run_id, type(err).__name__)
        return "crash", {"type": "engine_error", "message": type(err).__name__}


def _load(conn: db.Connection, claim: queue.ClaimedTask) -> tuple[runs.RunToExecute, list[queue.Checkpoint]]:
    return runs.load_run_to_execute(conn, claim.workflow_run_id), queue.load_checkpoints(conn, claim)


async def _keep_lease(
    database: db.Database, claim: queue.ClaimedTask, lease_seconds: float, cancel_scope: trio.CancelScope
) -> None:
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


def _commit_outcome(conn: db.Connection, claim: queue.ClaimedTask, kind: str, detail: Any) -> None:
    try:
        if kind == "success":
            _succeed(conn, claim, detail)
        elif kind == "failure":
            _fail(conn, claim, detail)
        else:
            _retry_after_crash(conn, claim, detail)
    except errors.FencingLost:
        logger.warning("run %s lost its lease before its %s was committed", claim.run_id, kind)


# The outcomes. Each is one transaction: queue rows first, then the workflow run, then the audit
# record, so readers never see a finished run whose queue state disagrees.


def _succeed(conn: db.Connection, claim: queue.ClaimedTask, result: dict[str, Any]) -> None:
    with conn.transaction():
        queue.complete_run(conn, claim, result)
        runs.finish_run(conn, claim.workflow_run_id, "completed", result=result)
        runs.append_event(conn, claim.workflow_run_id, "completed", claim.run_id, {"attempt": claim.attempt})
    logger.info("run %s completed", claim.run_id)


def _fail(conn: db.Connection, claim: queue.ClaimedTask, error: dict[str, Any]) -> None:
    with conn.transaction():
        queue.fail_run(conn, claim, error, retry_delay=None)
        runs.finish_run(conn, claim.workflow_run_id, "failed", error=error)
        runs.append_event(
            conn,
            claim.workflow_run_id,
            "failed",
            claim.run_id,
            {"attempt": claim.attempt, "task_id": error.get("task_id")},
        )
    logger.info("run %s failed in task %s", claim.run_id, error.get("task_id"))


def _retry_after_crash(conn: db.Connection, claim: queue.ClaimedTask, error: dict[str, Any]) -> None:
    delay = queue.retry_delay_seconds(runs.ROOT_RETRY_STRATEGY, claim.attempt)
    with conn.transaction():
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
    logger.info("run %s attempt %s failed; task is %s", claim.run_id, claim.attempt, task_state)
