"""The operator's client of the engine's REST API: submit a run, read it, cancel it.

The operator reaches the engine only through this API, never the database. Every call is timed into
`hwe_operator_engine_request_seconds`; answers become `EngineRefused` (4xx, permanent) or
`EngineUnavailable` (5xx, 429, no connection: temporary).
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from hwe import metrics
from services.operator import _errors

TIMEOUT_SECONDS = 10.0
# Engine error codes whose condition reason is not simply the code in CamelCase.
_REASONS = {"not_found": "DefinitionNotFound", "unauthorized": "Unauthorized", "forbidden": "Forbidden"}


class Engine:
    """One HTTP connection pool to the API; each call names the key (the resource's tenant) it acts for."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers={"User-Agent": "hwe-operator"})

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def run_url(self, run_id: str) -> str:
        """Where a person reads the run."""
        return f"{self.base_url}/api/v1/workflows/{run_id}"

    def submit(self, api_key: str, body: dict[str, Any], idempotency_key: str) -> str:
        """Submits a run (or finds the one this key made before) and returns its id."""
        try:
            data = self._call("submit", api_key, "POST", "/api/v1/workflows", body, idempotency_key)
        except _errors.EngineRefused as err:
            # The same key with another body (an input Secret changed since): the key's run is ours.
            if err.code == "idempotency_conflict" and err.existing_run_id:
                return err.existing_run_id
            raise
        return str(data["workflow_run_id"])

    def get_run(self, api_key: str, run_id: str) -> dict[str, Any]:
        """The run as `GET /api/v1/workflows/{id}` has it.

        A run the engine no longer has is `Permanent`; any other refusal (a key revoked or without rights) is
        retried like an outage, because the run itself is still there.
        """
        try:
            data: dict[str, Any] = self._call("get", api_key, "GET", f"/api/v1/workflows/{run_id}")
        except _errors.EngineRefused as err:
            if err.code == "not_found":
                raise _errors.Permanent("RunNotFound", f"the engine has no run {run_id}") from err
            raise _errors.EngineUnavailable(err.reason, f"reading run {run_id}: {err.message}") from err
        return data

    def cancel(self, api_key: str, run_id: str) -> bool:
        """Cancels the run; False when there was nothing to cancel (finished already, cancelled before, or gone).

        Sent without an idempotency key: cancelling is idempotent by the run's state, and a keyed replay would answer
        success again, so a redelivered finalizer would report a second cancellation.
        """
        try:
            self._call("cancel", api_key, "POST", f"/api/v1/workflows/{run_id}/cancel", {})
        except _errors.EngineRefused as err:
            if err.code in ("not_found", "not_cancellable"):
                return False
            raise
        return True

    def _call(
        self,
        operation: str,
        api_key: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {api_key}"}
        if idempotency_key is not None:
            headers["X-Idempotency-Key"] = idempotency_key
        started = time.monotonic()
        outcome = "unavailable"
        try:
            try:
                response = self._http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as err:
                raise _errors.EngineUnavailable(
                    "EngineUnavailable", f"cannot reach the engine at {self.base_url} ({type(err).__name__})"
                ) from err
            envelope = _json_object(response)
            if response.is_success and "data" in envelope:
                outcome = "ok"
                return envelope["data"]
            if response.status_code == 429 or response.status_code >= 500 or response.is_success:
                raise _errors.EngineUnavailable(
                    "EngineUnavailable", f"the engine answered {response.status_code} to {operation}"
                )
            outcome = "refused"
            raise _refusal(response.status_code, envelope)
        finally:
            metrics.OPERATOR_ENGINE_SECONDS.labels(operation, outcome).observe(time.monotonic() - started)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(status: int, envelope: dict[str, Any]) -> _errors.EngineRefused:
    code = str(envelope.get("code") or f"http_{status}")
    message = str(envelope.get("message") or f"the engine answered {status}")
    reason = _REASONS.get(code) or "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", code) if part)
    existing = envelope.get("existing_run_id")
    return _errors.EngineRefused(reason, message, status, code, None if existing is None else str(existing))
