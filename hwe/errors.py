"""Every engine error, in one hierarchy named after the situation.

Raised by the engine core; the API maps each class to one HTTP status in one handler, and `hwe.db`
is the one place that maps our SQLSTATEs to these classes. Control-flow signals derive from
BaseException so a tool's `except Exception` cannot swallow them.
"""

from __future__ import annotations


class HighwayError(Exception):
    """Base class of every engine error."""


class ConfigError(HighwayError):
    """A setting is missing or invalid; the service must not start."""


class InvalidRequest(HighwayError):
    """A request the API cannot read (bad JSON, wrong content type or shape); `code` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class InvalidWorkflow(HighwayError):
    """A submitted workflow definition or its inputs cannot run; the message names the task and field."""


class IdempotencyConflict(HighwayError):
    """An idempotency key was reused with a different request body.

    `existing_run_id` names the run the key created, when the key was used for a submission.
    """

    def __init__(self, message: str, existing_run_id: str | None = None) -> None:
        super().__init__(message)
        self.existing_run_id = existing_run_id


class NotFound(HighwayError):
    """A resource the request names does not exist for the caller's tenant; the message says which."""


class Conflict(HighwayError):
    """The request conflicts with the resource's current state (a draining worker, a finished run); `code` says how."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Gone(HighwayError):
    """The resource existed but is no longer usable (an expired invitation); `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RunNotFound(HighwayError):
    """No run with that id exists for the caller's tenant."""


class Forbidden(HighwayError):
    """The caller is known but may not do this: its role is too low (viewer < operator < admin), or a browser's
    request lacks its session's CSRF proof (`code` says which)."""

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.code = code


class PayloadTooLarge(HighwayError):
    """A request body is larger than the API accepts."""


class RateLimited(HighwayError):
    """The API key sent more requests than its rate limit allows; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TenantConflict(HighwayError):
    """A tenant with that id, or a queue with that tenant's queue name, already exists."""


class TenantExists(HighwayError):
    """A tenant with that id already exists."""


class ApprovalNotFound(HighwayError):
    """No approval of that key waits for a decision in the caller's tenant (and none was decided)."""


class ApprovalDecided(HighwayError):
    """The approval was decided before; that first decision stands."""


class ApiKeyNotFound(HighwayError):
    """No API key with that prefix exists for the caller's tenant."""


class InvalidSchedule(HighwayError):
    """A schedule's cron expression, time zone, catch-up policy, start date or limits cannot be used."""


class ScheduleNotFound(HighwayError):
    """No schedule with that id exists for the caller's tenant."""


class ScheduleExists(HighwayError):
    """The tenant already has a schedule of that name."""


class ScheduleFireFailed(HighwayError):
    """Firing a due schedule failed (its definition no longer runs); nothing of that fire was written."""

    def __init__(self, schedule_id: str, message: str) -> None:
        super().__init__(message)
        self.schedule_id = schedule_id


class Unauthorized(HighwayError):
    """The API key is missing, malformed, unknown or revoked."""


class NotCancellable(HighwayError):
    """The run already reached a terminal state."""


class NotRetryable(HighwayError):
    """Only a failed or cancelled run can be retried."""


class InvalidEvent(HighwayError):
    """An event without an owner run, or with a payload that is not a small JSON object without NUL bytes."""


class EventTimeout(HighwayError):
    """A wait for an event ended at its timeout; replay sees the same outcome."""


class ArtifactNotFound(HighwayError):
    """No artifact with that id exists for the tenant."""


class WebhookNotFound(HighwayError):
    """The caller's tenant has no webhook with that id (another tenant's counts as none)."""


class DeliveryNotFound(HighwayError):
    """The webhook has no delivery with that id."""


class AuditRecordNotFound(HighwayError):
    """The caller's tenant has no audit record with that id."""


class ArchiveMismatch(HighwayError):
    """The audit archive disagrees with PostgreSQL about a day's records; nothing of that day is pruned."""


class DefinitionNotFound(HighwayError):
    """No stored workflow definition with that name and version (or content hash) exists for the tenant."""


class InvalidArtifact(HighwayError):
    """An uploaded artifact is not a usable zip archive of code."""


class TemplateNotFound(HighwayError):
    """No workflow template of that name."""


class AppNotFound(HighwayError):
    """The tenant has no app of that publisher and name."""


class InvalidApp(HighwayError):
    """An app's names, actions or artifact cannot be used."""


class FencingLost(HighwayError):
    """A worker wrote with a stale fencing token: another claim owns the run now, the write was refused."""


class AppendOnlyViolation(HighwayError):
    """Something tried to change or delete an audit record."""


class SecretNotFound(HighwayError):
    """The secret store has no secret of that name (for that tenant); the message names it, never a value."""


class SecretStoreRefused(HighwayError):
    """The secret store refused a read or write: it is read-only here, or its token lacks the permission."""


class SecretStoreUnavailable(HighwayError):
    """The secret store could not be reached or answered with a server error; a retry may pass."""


class ToolError(HighwayError):
    """A tool failed. Subclasses say whether retrying can help."""


class PermanentError(ToolError):
    """A tool failure that retrying cannot fix (bad arguments, non-zero exit)."""


class TemporaryError(ToolError):
    """A tool failure that may pass on retry, after `delay` seconds when given."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class CircuitOpen(PermanentError):
    """The tenant's circuit breaker for the tool is open: the call failed fast and the tool did not run."""


class WorkflowFailed(HighwayError):
    """A workflow task failed for good; the run ends `failed` with this error."""

    def __init__(self, task_id: str, message: str) -> None:
        super().__init__(message)
        self.task_id = task_id


class Suspend(BaseException):
    """Stops a durable function so the run can sleep or wait; the orchestrator commits the request.

    A BaseException, so a tool's `except Exception` cannot swallow it.
    """

    def __init__(self, request: object) -> None:
        super().__init__(type(request).__name__)
        self.request = request
