"""A Workflow resource's status, computed from the engine's view of its run: phase, progress, conditions.

Pure functions: `reconcile` reads the run and the old status and calls these to get the new status and the
Kubernetes Events its transitions deserve. Status stays small (step detail is the engine's, at `runUrl`), and
no Event carries a workflow value: only ids, task ids, error types and reasons.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PHASES = {
    "pending": "Pending",
    "running": "Running",
    "sleeping": "Running",
    "waiting": "Running",
    "completed": "Succeeded",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
FINISHED_PHASES = ("Succeeded", "Failed", "Cancelled")
MESSAGE_LIMIT = 1024
CONDITION_TYPES = ("Submitted", "Succeeded", "Synced")
# Every field reconcile writes: a status patch sets the others to None (a merge patch then drops them).
STATUS_FIELDS = (
    "phase",
    "runId",
    "runUrl",
    "observedGeneration",
    "startedAt",
    "finishedAt",
    "progress",
    "message",
    "conditions",
)


@dataclass(frozen=True)
class Event:
    """A Kubernetes Event to post on the resource."""

    type: str  # Normal or Warning
    reason: str
    message: str


def now() -> str:
    """The current time as Kubernetes writes it (RFC 3339, seconds, UTC)."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_finished(status: Mapping[str, Any], generation: int) -> bool:
    """True when nothing is left to do for this generation: a finished run, or a refused submission."""
    return status.get("phase") in FINISHED_PHASES and status.get("observedGeneration") == generation


def of_run(
    run: Mapping[str, Any], old: Mapping[str, Any], generation: int, run_url: str, submitted_reason: str, at: str
) -> dict[str, Any]:
    """The status of a resource whose run the engine just reported."""
    phase = PHASES.get(str(run.get("state")), "Running")
    progress = run.get("progress") or {}
    run_id = str(run["workflow_run_id"])
    succeeded = {
        "Succeeded": ("True", "Completed", f"run {run_id} completed"),
        "Failed": ("False", "Failed", f"run {run_id} failed"),
        "Cancelled": ("False", "Cancelled", f"run {run_id} was cancelled"),
    }.get(phase, ("Unknown", phase, f"run {run_id} is {run.get('state')}"))
    submitted_message = (
        f"the spec changed after run {run_id} was submitted; runPolicy Once does not run it again"
        if submitted_reason == "SpecChangeIgnored"
        else f"run {run_id}"
    )
    return _with_conditions(
        old,
        generation,
        at,
        {
            "phase": phase,
            "runId": run_id,
            "runUrl": run_url,
            "observedGeneration": generation,
            "startedAt": _kubernetes_time(run.get("started_at")),
            "finishedAt": _kubernetes_time(run.get("finished_at")) if phase in FINISHED_PHASES else None,
            "progress": f"{progress.get('completed', 0)}/{progress.get('total', 0)}",
            "message": _truncate(_run_message(run, phase)),
        },
        [
            ("Submitted", "True", submitted_reason, submitted_message),
            ("Succeeded", *succeeded),
            ("Synced", "True", "Synced", "the status is the engine's"),
        ],
    )


def refused(old: Mapping[str, Any], generation: int, reason: str, message: str, at: str) -> dict[str, Any]:
    """The status of a resource whose submission the engine (or its own spec) refused: Failed, and no run."""
    return _with_conditions(
        old,
        generation,
        at,
        {"phase": "Failed", "observedGeneration": generation, "message": _truncate(message)},
        [
            ("Submitted", "False", reason, message),
            ("Succeeded", "False", reason, "no run was started"),
            ("Synced", "True", "Synced", "the engine answered"),
        ],
    )


def waiting(
    old: Mapping[str, Any], generation: int, reason: str, message: str, at: str, *, unsynced: bool
) -> dict[str, Any]:
    """The status while a temporary problem (the engine down, a ConfigMap missing) keeps the resource waiting.

    The run's fields stay as they were; `observedGeneration` does not move, so the generation is tried again.
    `unsynced` says the engine could not answer, so the status may be stale (condition Synced=False).
    """
    status = {field: old.get(field) for field in STATUS_FIELDS}
    status["phase"] = old.get("phase") or "Pending"
    status["message"] = _truncate(message)
    conditions: list[tuple[str, str, str, str]] = []
    if old.get("runId") is None:
        conditions.append(("Submitted", "False", reason, message))
        conditions.append(("Succeeded", "Unknown", "Pending", "the run is not submitted yet"))
    if unsynced:
        conditions.append(("Synced", "False", reason, message))
    return _with_conditions(old, int(old.get("observedGeneration") or generation), at, status, conditions)


def events(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Event]:
    """The Events the change from `old` to `new` status deserves (none when nothing moved)."""
    found: list[Event] = []
    run_id = new.get("runId")
    if run_id and run_id != old.get("runId"):
        found.append(Event("Normal", "Submitted", f"submitted run {run_id}"))
    submitted, old_submitted = _condition(new, "Submitted"), _condition(old, "Submitted")
    if submitted.get("reason") != old_submitted.get("reason") and submitted.get("reason") == "SpecChangeIgnored":
        found.append(Event("Warning", "SpecChangeIgnored", "the spec changed; runPolicy Once keeps the first run"))
    phase = new.get("phase")
    if phase != old.get("phase") or run_id != old.get("runId"):
        if phase == "Succeeded":
            found.append(Event("Normal", "Succeeded", f"run {run_id} completed {new.get('progress')} steps"))
        elif phase == "Cancelled":
            found.append(Event("Warning", "Cancelled", f"run {run_id} was cancelled"))
        elif phase == "Failed" and run_id:
            found.append(Event("Warning", "Failed", f"run {run_id} failed"))
        elif phase == "Failed":
            reason = submitted.get("reason")
            found.append(Event("Warning", "SubmitFailed", f"the run was not started ({reason}); see status.message"))
    synced, old_synced = _condition(new, "Synced"), _condition(old, "Synced")
    if synced.get("status") == "False" and old_synced.get("status") != "False":
        found.append(Event("Warning", "EngineUnavailable", "cannot reach the engine; retrying"))
    return found


def _run_message(run: Mapping[str, Any], phase: str) -> str:
    step = run.get("current_step")
    if phase == "Failed":
        error = run.get("error") or {}
        where = f" in task {error['task_id']}" if error.get("task_id") else ""
        return f"{error.get('type', 'Error')}{where}: {error.get('message', '')}"
    if phase in ("Succeeded", "Cancelled"):
        return str(run.get("state"))
    if phase == "Pending":
        return "queued"
    return f"{run.get('state')} in {step}" if step else str(run.get("state"))


def _with_conditions(
    old: Mapping[str, Any],
    generation: int,
    at: str,
    fields: dict[str, Any],
    conditions: list[tuple[str, str, str, str]],
) -> dict[str, Any]:
    """`fields` completed to every status field, with these conditions set and the others kept."""
    status = {field: fields.get(field) for field in STATUS_FIELDS}
    by_type = {c["type"]: c for c in old.get("conditions") or [] if isinstance(c, dict) and "type" in c}
    for kind, value, reason, message in conditions:
        previous = by_type.get(kind, {})
        by_type[kind] = {
            "type": kind,
            "status": value,
            "reason": reason,
            "message": _truncate(message),
            # Kubernetes convention: the time the status last changed, not the time it was last written.
            "lastTransitionTime": previous["lastTransitionTime"]
            if previous.get("status") == value and previous.get("lastTransitionTime")
            else at,
            "observedGeneration": generation,
        }
    status["conditions"] = [by_type[kind] for kind in CONDITION_TYPES if kind in by_type]
    return status


def _condition(status: Mapping[str, Any], kind: str) -> dict[str, Any]:
    return next((c for c in status.get("conditions") or [] if isinstance(c, dict) and c.get("type") == kind), {})


def _kubernetes_time(value: Any) -> str | None:
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _truncate(text: str) -> str:
    encoded = text.encode()
    if len(encoded) <= MESSAGE_LIMIT:
        return text
    return encoded[: MESSAGE_LIMIT - 3].decode(errors="ignore") + "..."
