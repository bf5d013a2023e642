"""DurableContext: the handle a durable function uses to take steps that survive crashes.

`ctx.step(name, fn, *args)` runs `fn` once and commits its result as a checkpoint; when the run
is resumed (a crash, a new attempt) the committed result is returned instead of running `fn`
again. Created by the orchestrator for one claimed task; it never claims or completes the task.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable
from typing import Any

from hwe import db, errors, queue


class DurableContext:
    """Steps of one claimed task, replayed from checkpoints loaded when the task was claimed."""

    def __init__(
        self, database: db.Database, claim: queue.ClaimedTask, checkpoints: list[queue.Checkpoint], lease_seconds: float
    ) -> None:
        self._database = database
        self._claim = claim
        self._lease_seconds = lease_seconds
        self._committed = {checkpoint.step_name: checkpoint.state for checkpoint in checkpoints}
        self._name_counts: dict[str, int] = {}
        self._position = 0

    @property
    def workflow_run_id(self) -> uuid.UUID:
        """The workflow run this task belongs to."""
        return self._claim.workflow_run_id

    async def step(self, name: str, fn: Callable[..., Any], *args: Any, result_key: str | None = None) -> Any:
        """Runs `fn(*args)` once and returns its committed result.

        A name used again in the same run becomes `name#2`, `name#3`, … so repeated steps stay
        distinct as long as the code takes them in the same order.

        Args:
            name: the step's name, unique within the run once numbered.
            fn: a sync or async callable; its result must be JSON-serializable.
            *args: passed to `fn`.
            result_key: also publish the result under this key of the run's context.

        Raises:
            PermanentError: the result cannot be stored as JSON.
            FencingLost: this worker no longer holds the run; the result was not committed.
        """
        step_name = self._number(name)
        self._position += 1
        if step_name in self._committed:
            return self._committed[step_name]
        value = fn(*args)
        if inspect.isawaitable(value):
            value = await value
        try:
            json.dumps(value)
        except (TypeError, ValueError) as err:
            raise errors.PermanentError(f"step {step_name!r} returned a value that is not JSON") from err
        written = await self._database.run(
            self._commit, step_name, self._position, value, {result_key: value} if result_key else {}
        )
        if not written:
            # An earlier holder of this run committed the step first; its result is the one that counts.
            reloaded = await self._database.run(queue.load_checkpoints, self._claim)
            value = next(c.state for c in reloaded if c.step_name == step_name)
        self._committed[step_name] = value
        return value

    def _number(self, name: str) -> str:
        count = self._name_counts.get(name, 0) + 1
        self._name_counts[name] = count
        return name if count == 1 else f"{name}#{count}"

    def _commit(
        self, conn: db.Connection, step_name: str, position: int, value: Any, context_patch: dict[str, Any]
    ) -> bool:
        with conn.transaction():
            return queue.checkpoint_step(
                conn,
                self._claim,
                step_name=step_name,
                position=position,
                state=value,
                context_patch=context_patch,
                progress_completed=len(self._committed) + 1,
                lease_seconds=self._lease_seconds,
            )
