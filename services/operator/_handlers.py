"""The kopf handlers of the Workflow operator, registered on a registry of their own.

Every trigger (create, resume after a restart, a spec change, the sync timer of an unfinished resource) runs
the same level-based `_reconcile.reconcile`; deletion runs `_reconcile.finalize` behind the finalizer
`highway.dev/cancel-run`. Handlers are plain functions: kopf runs them in its thread pool, so the engine and
Kubernetes clients stay synchronous. kopf keeps its bookkeeping in `highway.dev/*` annotations, never in status.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import kopf

from services.operator import _errors, _kube, _reconcile, _status

GROUP, VERSION, PLURAL = "highway.dev", "v1alpha1", "workflows"
FINALIZER = "highway.dev/cancel-run"
MAX_RETRY_DELAY_SECONDS = 60.0
FIRST_SYNC_SECONDS = 1.0

logger = logging.getLogger(__name__)


def build_registry(context: _reconcile.Context, health_file: Path | None) -> kopf.OperatorRegistry:
    """The operator's handlers, bound to `context`."""
    registry = kopf.OperatorRegistry()

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=GROUP)
        settings.posting.level = logging.INFO  # only the Events reconcile asks for: loggers are not posted
        settings.posting.reporting_component = "highway-operator"
        settings.posting.reporting_instance = socket.gethostname()  # the pod's name in a cluster
        settings.posting.event_name_prefix = "highway-"
        if health_file is not None:
            health_file.touch()
        logger.info("operator started; syncing unfinished resources every %s s", context.sync_seconds)

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo:
        info = kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)
        if info is None:
            raise kopf.LoginError("no Kubernetes credentials: run in a cluster or set KUBECONFIG")
        if context.kube is not None:
            context.kube.close()
        context.kube = _kube.Kube(info)
        return info

    @kopf.on.cleanup(registry=registry)
    def close(**_: Any) -> None:
        context.engine.close()
        if context.kube is not None:
            context.kube.close()

    def reconcile(*, body: kopf.Body, patch: kopf.Patch, retry: int = 0, **_: Any) -> None:
        outcome = _reconcile.reconcile(_reconcile.Resource.of(body), context)
        _write_status(body, patch, outcome.status)
        _post(body, outcome.events)
        if outcome.retry is not None:
            raise _retry_later(outcome.retry, retry, context.sync_seconds)

    def unfinished(*, body: kopf.Body, **_: Any) -> bool:
        # Until the create (or resume) handler has written a first status, the submission is its to make: a tick
        # reading the resource before that would submit too (harmlessly, by the same key) and post a second Event.
        resource = _reconcile.Resource.of(body)
        return bool(resource.status) and not _status.is_finished(resource.status, resource.generation)

    temporary = kopf.ErrorsMode.TEMPORARY
    kopf.on.create(GROUP, VERSION, PLURAL, registry=registry, errors=temporary, id="reconcile")(reconcile)
    kopf.on.resume(GROUP, VERSION, PLURAL, registry=registry, errors=temporary, id="reconcile")(reconcile)
    kopf.on.update(GROUP, VERSION, PLURAL, registry=registry, errors=temporary, id="reconcile", field="spec")(reconcile)
    # The first tick comes a second after the first status is written (a quick run shows Succeeded promptly);
    # later ticks every sync interval.
    kopf.timer(
        GROUP,
        VERSION,
        PLURAL,
        registry=registry,
        errors=temporary,
        id="sync",
        interval=context.sync_seconds,
        initial_delay=min(FIRST_SYNC_SECONDS, context.sync_seconds),
        when=unfinished,
    )(reconcile)

    @kopf.on.delete(GROUP, VERSION, PLURAL, registry=registry, errors=temporary, id="cancel-run")
    def finalize(*, body: kopf.Body, retry: int = 0, **_: Any) -> None:
        try:
            found = _reconcile.finalize(_reconcile.Resource.of(body), context)
        except _errors.Temporary as err:
            raise _retry_later(err, retry, context.sync_seconds) from err
        _post(body, found)

    return registry


def _write_status(body: kopf.Body, patch: kopf.Patch, status: Mapping[str, Any]) -> None:
    """Writes the status fields that changed (None removes one)."""
    old = body.get("status") or {}
    for key, value in status.items():
        if old.get(key) != value:
            patch.status[key] = value


def _post(body: kopf.Body, events: list[_status.Event]) -> None:
    for event in events:
        kopf.event(body, type=event.type, reason=event.reason, message=event.message)


def _retry_later(error: _errors.Temporary, retry: int, sync_seconds: float) -> kopf.TemporaryError:
    """kopf's retry of a handler, backing off from the sync interval up to a minute."""
    delay = min(sync_seconds * 2**retry, MAX_RETRY_DELAY_SECONDS)
    return kopf.TemporaryError(f"{error.reason}: {error.message}", delay=delay)
