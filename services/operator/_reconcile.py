"""The operator's one reconcile: bring a Workflow resource's run and status in line with its spec.

Level-based and idempotent: it reads the whole resource (never a diff), so kopf may call it for a create, a
resume, a spec change or a timer tick, twice, or from two operator replicas, and the outcome is the same. The
idempotency key of a submission is the resource's uid and generation, so a generation never gets two runs.
Returns the new status and Events; the kopf handlers apply them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hwe import metrics
from services.operator import _engine, _errors, _kube, _sources, _status

logger = logging.getLogger(__name__)


@dataclass
class Context:
    """What every reconcile shares: the engine client, the Kubernetes reader, the operator's own key."""

    engine: _engine.Engine
    operator_key: str | None
    sync_seconds: float
    kube: _kube.Kube | None = None  # set when kopf logs in
    phases: dict[str, str] = field(default_factory=dict)  # resource uid → phase, for the gauge

    def __post_init__(self) -> None:
        for phase in ("Pending", "Running", *_status.FINISHED_PHASES):
            metrics.OPERATOR_RESOURCES.labels(phase)  # every phase is exported, at 0 until a resource is in it

    def record_phase(self, uid: str, phase: str | None) -> None:
        """Counts the resource under its phase in `hwe_operator_resources` (None: forget it)."""
        previous = self.phases.pop(uid, None) if phase is None else self.phases.get(uid)
        if previous == phase:
            return
        if previous is not None:
            metrics.OPERATOR_RESOURCES.labels(previous).dec()
        if phase is not None:
            self.phases[uid] = phase
            metrics.OPERATOR_RESOURCES.labels(phase).inc()


@dataclass(frozen=True)
class Outcome:
    """A reconcile's result: the status to write, the Events to post, and a temporary error to retry on."""

    status: dict[str, Any]
    events: list[_status.Event]
    retry: _errors.Temporary | None = None


@dataclass(frozen=True)
class Resource:
    """The fields of a Workflow resource that reconciling reads."""

    namespace: str
    name: str
    uid: str
    generation: int
    spec: Mapping[str, Any]
    status: Mapping[str, Any]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Resource:
        """Reads a resource body as kopf hands it over."""
        metadata = body["metadata"]
        return cls(
            namespace=str(metadata["namespace"]),
            name=str(metadata["name"]),
            uid=str(metadata["uid"]),
            generation=int(metadata.get("generation") or 1),
            spec=body.get("spec") or {},
            status=body.get("status") or {},
        )

    @property
    def run_policy(self) -> str:
        """Once or RerunOnSpecChange."""
        return str(self.spec.get("runPolicy") or "Once")

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    def idempotency_key(self, action: str) -> str:
        """The key of one action for this generation: the same whoever sends it, however often."""
        return f"k8s:{self.uid}:{self.generation}:{action}"


def reconcile(resource: Resource, context: Context) -> Outcome:
    """Submits the generation's run when it has none, then reports the run's state."""
    old = resource.status
    at = _status.now()
    try:
        if context.kube is None:
            raise _errors.Temporary("KubernetesUnavailable", "the operator has not logged in to Kubernetes yet")
        api_key = _sources.api_key_for(resource.namespace, context.kube, context.operator_key)
        run_id, submitted_reason = _run_for_generation(resource, context, api_key)
        if run_id is None:  # this generation was refused already: a retry would be refused again
            return _done(resource, context, dict(old), "synced")
        run = context.engine.get_run(api_key, run_id)
        new = _status.of_run(run, old, resource.generation, context.engine.run_url(run_id), submitted_reason, at)
        return _done(resource, context, new, "submitted" if run_id != old.get("runId") else "synced")
    except _errors.Permanent as err:
        logger.warning("workflow %s generation %s refused: %s", resource, resource.generation, err.reason)
        new = _status.refused(old, resource.generation, err.reason, err.message, at)
        return _done(resource, context, new, "refused")
    except _errors.Temporary as err:
        logger.warning("workflow %s: %s; retrying", resource, err.reason)
        unsynced = isinstance(err, _errors.EngineUnavailable)
        new = _status.waiting(old, resource.generation, err.reason, err.message, at, unsynced=unsynced)
        metrics.OPERATOR_RECONCILES.labels("retrying").inc()
        context.record_phase(resource.uid, new.get("phase"))
        return Outcome(new, _status.events(old, new), retry=err)


def finalize(resource: Resource, context: Context) -> list[_status.Event]:
    """Before the resource goes: cancels its unfinished run unless `deletionPolicy: Orphan`.

    Raises:
        Temporary: the engine cannot be reached; kopf keeps the finalizer and tries again.
    """
    context.record_phase(resource.uid, None)
    run_id = resource.status.get("runId")
    policy = resource.spec.get("deletionPolicy") or "Cancel"
    if policy == "Orphan" or not run_id or resource.status.get("phase") in _status.FINISHED_PHASES:
        metrics.OPERATOR_RECONCILES.labels("released").inc()
        return []
    if context.kube is None:
        raise _errors.Temporary("KubernetesUnavailable", "the operator has not logged in to Kubernetes yet")
    api_key = _sources.api_key_for(resource.namespace, context.kube, context.operator_key)
    try:
        cancelled = context.engine.cancel(api_key, str(run_id))
    except _errors.EngineRefused as err:  # e.g. the key lost its rights: retrying cannot help, so let it go
        metrics.OPERATOR_RECONCILES.labels("released").inc()
        return [_status.Event("Warning", "CancelFailed", f"run {run_id} was not cancelled ({err.reason})")]
    metrics.OPERATOR_RECONCILES.labels("cancelled").inc()
    logger.info("workflow %s deleted: run %s %s", resource, run_id, "cancelled" if cancelled else "already finished")
    if not cancelled:
        return []
    return [_status.Event("Normal", "Cancelled", f"cancelled run {run_id} because the resource was deleted")]


def _run_for_generation(resource: Resource, context: Context, api_key: str) -> tuple[str | None, str]:
    """The run this generation reports on (submitting it if due), and the reason of its Submitted condition."""
    old = resource.status
    run_id = old.get("runId")
    new_generation = old.get("observedGeneration") != resource.generation
    if run_id is None:
        if not new_generation:
            return None, "Refused"
        return _submit(resource, context, api_key), "Submitted"
    if not new_generation:
        return str(run_id), _previous_submitted_reason(old)
    if resource.run_policy != "RerunOnSpecChange":
        return str(run_id), "SpecChangeIgnored"
    if old.get("phase") not in _status.FINISHED_PHASES:
        context.engine.cancel(api_key, str(run_id))
    return _submit(resource, context, api_key), "Submitted"


def _submit(resource: Resource, context: Context, api_key: str) -> str:
    assert context.kube is not None  # checked by reconcile
    body = _sources.submission_body(resource.spec, resource.namespace, context.kube)
    run_id = context.engine.submit(api_key, body, resource.idempotency_key("submit"))
    logger.info("workflow %s generation %s: run %s", resource, resource.generation, run_id)
    return run_id


def _previous_submitted_reason(status: Mapping[str, Any]) -> str:
    for condition in status.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Submitted" and condition.get("status") == "True":
            return str(condition.get("reason") or "Submitted")
    return "Submitted"


def _done(resource: Resource, context: Context, new: dict[str, Any], outcome: str) -> Outcome:
    metrics.OPERATOR_RECONCILES.labels(outcome).inc()
    context.record_phase(resource.uid, new.get("phase"))
    return Outcome(new, _status.events(resource.status, new))
