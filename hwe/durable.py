"""DurableContext: the handle a durable function uses to take steps that survive crashes.

`ctx.step(name, fn, *args)` runs `fn` once and commits its outcome as a checkpoint; when the run
is resumed (a crash, a new attempt, a wake-up) the committed outcome is returned (or its error
raised again) instead of running `fn` again. `sleep` and `wait_for_event` suspend the run: they
raise `errors.Suspend`, and the orchestrator commits the request and frees the worker. Created
by the orchestrator for one claimed task; it never claims or completes the task itself.
"""

from __future__ import annotations

import functools
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hwe import apps, artifacts, circuit, committer, db, errors, events, queue, task_logs

T = TypeVar("T")
# Writes committed in a step's transaction, given the step's result and the connection.
Write = Callable[[Any, db.Connection], None]

_ERROR_CLASSES: dict[str, type[errors.ToolError]] = {
    "PermanentError": errors.PermanentError,
    "TemporaryError": errors.TemporaryError,
    "CircuitOpen": errors.CircuitOpen,
}


@dataclass(frozen=True)
class SleepRequest:
    """Suspend until a time: `seconds` from now, or `until`, stored as the step's checkpoint."""

    step_name: str
    position: int
    seconds: float | None
    until: datetime | None
    retry: bool = False  # the back-off of a task's retry policy (counted in the metrics), not a `wait`


@dataclass(frozen=True)
class WaitRequest:
    """Suspend until an event of the tenant named `event_name` arrives, or the timeout passes."""

    step_name: str
    position: int
    event_name: str
    timeout_seconds: float | None


class DurableContext:
    """Steps of one claimed task, replayed from the checkpoints loaded when it was claimed."""

    def __init__(
        self,
        database: db.Database,
        writer: committer.Committer,
        claim: queue.ClaimedTask,
        tenant_id: str,
        checkpoints: list[queue.Checkpoint],
        lease_seconds: float,
    ) -> None:
        self._database = database
        self._writer = writer
        self._claim = claim
        self._tenant_id = tenant_id
        self._lease_seconds = lease_seconds
        self._committed = {c.step_name: c for c in checkpoints}
        self._name_counts: dict[str, int] = {}
        self._position = 0
        self._progress = 0
        self._variables: dict[str, Any] = {}

    @property
    def workflow_run_id(self) -> uuid.UUID:
        """The workflow run this task belongs to."""
        return self._claim.workflow_run_id

    @property
    def tenant_id(self) -> str:
        """The tenant the run belongs to."""
        return self._tenant_id

    @property
    def queue_name(self) -> str:
        """The queue the run is on; its child runs go on the same queue."""
        return self._claim.queue

    @property
    def max_attempts(self) -> int:
        """How many times the run's root task may be attempted after engine faults; children inherit it."""
        return self._claim.max_attempts

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs a read `fn(conn, *args)` on a database connection in a worker thread.

        For reads whose result the caller then commits as (part of) a step, such as the outcomes
        of child runs, so replay sees what was read the first time.
        """
        return await self._database.run(fn, *args)

    async def step(
        self,
        name: str,
        fn: Callable[..., Any],
        *args: Any,
        result_key: str | None = None,
        advances_progress: bool = False,
        also: Write | None = None,
        output: task_logs.Output | None = None,
    ) -> Any:
        """Runs `fn(*args)` once and returns its committed result.

        A name used again in the same run becomes `name#2`, `name#3`, … so repeated steps stay
        distinct as long as the code takes them in the same order. A ToolError is committed too,
        and raised again on replay, so a failed step is not run again either.

        Args:
            name: the step's name, unique within the run once numbered.
            fn: a sync or async callable; its result must be JSON-serializable.
            *args: passed to `fn`.
            result_key: also publish the result under this key of the run's context.
            advances_progress: the step is one of the workflow's tasks (counted in `progress`).
            also: more writes (such as creating child runs) committed in the step's transaction,
                so they happen exactly when its result is committed; given the result.
            output: the capture `fn` writes its output to; what this attempt wrote (the step's n-th use of
                `name` is attempt n) is stored with its checkpoint.

        Raises:
            ToolError: `fn` failed (now or, on replay, when it was first run).
            FencingLost: this worker no longer holds the run; nothing was committed.
        """
        step_name, checkpoint = self.open_step(name)
        if checkpoint is None:
            attempt = (name, self._name_counts[name]) if output is not None else None
            checkpoint = await self._run_step(step_name, fn, args, result_key, advances_progress, also, output, attempt)
        elif advances_progress and checkpoint.status == "ok":
            self._progress += 1
        return outcome(checkpoint)

    def open_step(self, name: str) -> tuple[str, queue.Checkpoint | None]:
        """Numbers a step name and returns its committed checkpoint, if any.

        For code that runs a step's body elsewhere (a tool's subprocess): when there is no
        checkpoint, run the body and pass the outcome to `commit_step` under the returned name.
        """
        step_name = self._take_name(name)
        return step_name, self._committed.get(step_name)

    async def commit_step(self, step_name: str, value: Any = None, *, error: errors.ToolError | None = None) -> Any:
        """Commits the outcome of a step opened with `open_step`; returns the committed value.

        Raises:
            ToolError: the committed outcome is a failure (this one, or an earlier holder's).
        """
        if error is not None:
            failure = {"type": type(error).__name__, "message": str(error)}
            return outcome(await self._commit(step_name, failure, {}, status="error"))
        _require_json(step_name, value)
        return outcome(await self._commit(step_name, value, {}))

    async def read_artifact(self, artifact_id: str) -> bytes:
        """Reads one of the tenant's artifacts, fresh from the database (user code is never cached)."""
        return await self._database.run(artifacts.read_artifact, self._tenant_id, artifact_id)

    async def read_app(self, publisher: str, app: str) -> db.Row:
        """Looks up one of the tenant's apps, fresh from the database.

        Raises:
            AppNotFound: the tenant has no such app.
        """
        return await self._database.run(apps.find_app, self._tenant_id, publisher, app)

    async def circuit_call(
        self, function_name: str, policy: circuit.CircuitPolicy, body: Callable[[], Awaitable[Any]]
    ) -> Any:
        """Runs `body`, one call of the tool `function_name`, through the tenant's circuit breaker for it.

        Call it inside a step's body: the breaker's state lives in the database, and a replayed step
        neither runs the tool nor counts the call again.

        Args:
            function_name: the tool as the task names it; the tenant's calls of it share one breaker.
            policy: the task's validated circuit_breaker_policy.
            body: runs the tool once.

        Raises:
            CircuitOpen: the breaker is open; `body` did not run.
            ToolError: `body` failed (recorded in the breaker first).
        """
        return await circuit.call_through(self._database, self._tenant_id, function_name, policy, body)

    @property
    def variables(self) -> dict[str, Any]:
        """The durable variables set so far in this run."""
        return dict(self._variables)

    async def _run_step(
        self,
        step_name: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        result_key: str | None,
        task: bool,
        also: Write | None,
        output: task_logs.Output | None = None,
        attempt: tuple[str, int] | None = None,
    ) -> queue.Checkpoint:
        if output is not None:
            output.start()
        try:
            value = fn(*args)
            if inspect.isawaitable(value):
                value = await value
            _require_json(step_name, value)
        except errors.ToolError as err:
            failure = {"type": type(err).__name__, "message": str(err)}
            written = _taken(output, self._tenant_id, attempt)
            progress = self._progress if task else None
            return await self._commit(step_name, failure, {}, status="error", progress=progress, output=written)
        context_patch = {result_key: value} if result_key else {}
        if task:
            # Counted before the commit is awaited: steps finishing together each get their own count.
            self._progress += 1
        write = None if also is None else functools.partial(also, value)
        return await self._commit(
            step_name,
            value,
            context_patch,
            progress=self._progress if task else None,
            also=write,
            output=_taken(output, self._tenant_id, attempt),
        )

    async def sleep(
        self, name: str, seconds: float | None = None, *, until: datetime | None = None, retry: bool = False
    ) -> None:
        """Suspends the run for `seconds` (or until `until`); the worker is free meanwhile.

        `retry` marks the back-off before a task's next attempt, so the metrics can count retries.

        Raises:
            Suspend: always on the first call; on replay only while the wake time is ahead.
            ValueError: neither or both of `seconds` and `until` given.
        """
        if (seconds is None) == (until is None):
            raise ValueError("sleep takes either seconds or until")
        step_name = self._take_name(f"sleep:{name}")
        checkpoint = self._committed.get(step_name)
        if checkpoint is None:
            raise errors.Suspend(SleepRequest(step_name, self._position, seconds, until, retry))
        wake_at = datetime.fromisoformat(checkpoint.state["wake_at"])
        if wake_at > self._claim.claimed_at:
            raise errors.Suspend(SleepRequest(step_name, self._position, None, wake_at))

    async def wait_for_event(self, name: str, event_name: str, timeout: float | None = None) -> dict[str, Any]:
        """Waits for an event of the run's tenant named `event_name`; returns its payload.

        Raises:
            Suspend: while the event has not arrived (the run is `waiting` and holds no worker).
            EventTimeout: the timeout passed first; replay raises it again.
            InvalidEvent: the event name is not acceptable.
        """
        events.validate(self.workflow_run_id, event_name, {})
        step_name = self._take_name(f"wait_for_event:{name}")
        checkpoint = self._committed.get(step_name)
        if checkpoint is None:
            raise errors.Suspend(WaitRequest(step_name, self._position, event_name, timeout))
        if checkpoint.state["timed_out"]:
            raise errors.EventTimeout(f"no event {event_name!r} arrived within {timeout} seconds")
        payload: dict[str, Any] = checkpoint.state["payload"]
        return payload

    async def emit_event(self, event_name: str, payload: dict[str, Any]) -> None:
        """Emits an event owned by this run, exactly once: the emit commits with its step.

        Raises:
            ValueError, InvalidEvent: the event is not acceptable (checked before any SQL).
        """
        events.validate(self.workflow_run_id, event_name, payload)
        step_name = self._take_name(f"emit_event:{event_name}")
        if step_name in self._committed:
            return
        await self._commit(step_name, {"emitted": True}, {}, also=functools.partial(self._emit, event_name, payload))

    async def set_variable(self, name: str, value: Any) -> None:
        """Sets a durable variable of the run (its value survives crashes and replays)."""
        step_name = self._take_name(f"set_variable:{name}")
        if step_name not in self._committed:
            _require_json(step_name, value)
            await self._commit(step_name, {"value": value}, {})
        self._variables[name] = self._committed[step_name].state["value"]

    def get_variable(self, name: str, default: Any = None) -> Any:
        """Returns a durable variable set earlier in the run, or `default`."""
        return self._variables.get(name, default)

    def _take_name(self, name: str) -> str:
        self._position += 1
        count = self._name_counts.get(name, 0) + 1
        self._name_counts[name] = count
        return name if count == 1 else f"{name}#{count}"

    async def _commit(
        self,
        step_name: str,
        state: Any,
        context_patch: dict[str, Any],
        *,
        status: str = "ok",
        also: Callable[[db.Connection], None] | None = None,
        progress: int | None = None,
        output: task_logs.AttemptOutput | None = None,
    ) -> queue.Checkpoint:
        checkpoint = queue.Checkpoint(step_name, self._position, status, state)
        write = queue.StepWrite(
            self._claim,
            step_name,
            checkpoint.position,
            state,
            context_patch,
            self._lease_seconds,
            status,
            current_step=None if progress is None else step_name,
            progress_completed=progress,
            output=output,
        )
        if also is None:  # with the other runs' checkpoints of its batch, in one statement
            written = bool(await self._writer.write_combined(queue.checkpoint_steps, write))
        else:
            # A write that does more than the checkpoint (child runs, an event) commits alone: an event's lock
            # must not be taken in a transaction that already holds other runs' rows (lock order: event first).
            written = await self._writer.write(_write_with, write, also, alone=True)
        if not written:
            # An earlier holder of this run committed the step first; its outcome is the one that counts.
            reloaded = await self._database.run(queue.load_checkpoints, self._claim)
            checkpoint = next(c for c in reloaded if c.step_name == step_name)
        self._committed[step_name] = checkpoint
        return checkpoint

    def _emit(self, event_name: str, payload: dict[str, Any], conn: db.Connection) -> None:
        events.emit_event(
            conn,
            self._claim.queue,
            tenant_id=self._tenant_id,
            workflow_run_id=self.workflow_run_id,
            event_name=event_name,
            payload=payload,
        )


def _write_with(conn: db.Connection, write: queue.StepWrite, also: Callable[[db.Connection], None]) -> bool:
    """The checkpoint, then (when it is new) the writes committed with it, in one transaction."""
    written = queue.checkpoint_step(
        conn,
        write.claim,
        step_name=write.step_name,
        position=write.position,
        state=write.state,
        context_patch=write.context_patch,
        lease_seconds=write.lease_seconds,
        status=write.status,
        current_step=write.current_step,
        progress_completed=write.progress_completed,
    )
    if written:
        also(conn)
    return written


def _taken(
    output: task_logs.Output | None, tenant_id: str, attempt: tuple[str, int] | None
) -> task_logs.AttemptOutput | None:
    """What the attempt (task name, number) wrote to its capture, or None."""
    if output is None or attempt is None:
        return None
    return output.take(tenant_id, *attempt)


def task_of(step_name: str) -> str:
    """The workflow task a suspending step belongs to, for readers: `sleep:retry:fetch#2` is `fetch`."""
    name, _, count = step_name.rpartition("#")
    name = name if name and count.isdigit() else step_name
    for prefix in ("sleep:", "retry:", "wait_for_event:"):
        name = name.removeprefix(prefix)
    return name


def outcome(checkpoint: queue.Checkpoint) -> Any:
    """A checkpoint's value, or its recorded failure raised again."""
    if checkpoint.status == "error":
        error_class = _ERROR_CLASSES.get(checkpoint.state.get("type"), errors.ToolError)
        raise error_class(checkpoint.state.get("message", "step failed"))
    return checkpoint.state


def _require_json(step_name: str, value: Any) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as err:
        raise errors.PermanentError(f"step {step_name!r} returned a value that is not JSON") from err


def wake_time(now: datetime, request: SleepRequest) -> datetime:
    """When a sleep request wakes, measured on the engine clock."""
    if request.until is not None:
        return request.until if request.until.tzinfo else request.until.replace(tzinfo=UTC)
    return now + timedelta(seconds=request.seconds or 0.0)
