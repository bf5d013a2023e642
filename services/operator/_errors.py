"""Why a Workflow resource could not be reconciled, each class saying whether to retry.

`Permanent` errors are reported in the resource's status and not retried until its spec changes (an engine 4xx,
a spec the engine cannot read); `Temporary` ones are retried with back-off (the engine down, a ConfigMap not
created yet). `reason` is the CamelCase word Kubernetes conditions and Events carry.
"""

from __future__ import annotations


class ReconcileError(Exception):
    """Base class: `reason` for the condition, `message` (no workflow value in it) for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Permanent(ReconcileError):
    """Retrying the same spec cannot help: the resource fails with this reason."""


class Temporary(ReconcileError):
    """Retrying later may help: the resource keeps its phase and says it is not synced."""


class EngineRefused(Permanent):
    """The engine answered 4xx: `status` and the engine's error `code` say why.

    `existing_run_id` is the run an idempotency key made before, when the engine names one.
    """

    def __init__(self, reason: str, message: str, status: int, code: str, existing_run_id: str | None = None) -> None:
        super().__init__(reason, message)
        self.status = status
        self.code = code
        self.existing_run_id = existing_run_id


class EngineUnavailable(Temporary):
    """The engine could not be reached, answered 5xx, or asked us to slow down (429)."""
