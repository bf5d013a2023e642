"""The CLI's client of the REST API: where the API is, which key to send, and how errors are shown.

`_profile` finds the URL and the key (HWE_API_URL/HWE_API_KEY, else the user's profile, else a `.hwe` state
directory found upward from here); this module opens the client and turns error answers into one line on stderr.
Client commands never touch the database.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any
from urllib import parse

import httpx

from hwe import config
from hwe.cli import _profile

TIMEOUT_SECONDS = 30.0


class Api:
    """An open connection to the API for one command; a failed call ends the command."""

    def __init__(self, http: httpx.Client, command: str) -> None:
        self._http = http
        self._command = command

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Sends one request and returns the `data` of its success envelope.

        An error answer or an unreachable API prints the reason to stderr and exits with status 1.
        """
        headers = {"X-Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TransportError as err:
            fail(self._command, f"cannot reach the API at {self._http.base_url} ({type(err).__name__})")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not response.is_success or not isinstance(body, dict):
            fail(self._command, _describe_error(response.status_code, body))
        return body.get("data")

    def call_or_none(self, method: str, path: str, *, params: dict[str, Any] | None = None) -> Any:
        """Sends one request and returns its `data`, or None on any failure: for extras a command can do without."""
        try:
            response = self._http.request(method, path, params=params)
            body = response.json()
        except (httpx.TransportError, ValueError):
            return None
        return body.get("data") if response.is_success and isinstance(body, dict) else None


@contextlib.contextmanager
def open_api(settings: config.Settings, command: str) -> Iterator[Api]:
    """Opens a client of the configured API with the configured key, for the length of a command."""
    endpoint = _profile.resolve(settings)
    headers = {"Authorization": f"Bearer {endpoint.key}", "User-Agent": "hwe-cli"}
    with httpx.Client(base_url=endpoint.url, headers=headers, timeout=TIMEOUT_SECONDS) as http:
        yield Api(http, command)


def fail(command: str, message: str, status: int = 1) -> Any:
    """Prints `hwe <command>: <message>` to stderr and exits with `status`."""
    note(f"hwe {command}: {message}")
    raise SystemExit(status)


def _describe_error(status: int, body: Any) -> str:
    if isinstance(body, dict) and body.get("status") == "error":
        text = f"{body.get('code')}: {body.get('message')} (HTTP {status}"
        return text + (f", request id {body['request_id']})" if body.get("request_id") else ")")
    return f"the API answered HTTP {status}"


def result(text: str) -> None:
    """Writes a command's result (an id, a key, JSON) to stdout, where scripts read it."""
    sys.stdout.write(text + "\n")


def note(text: str) -> None:
    """Writes a message for the person at the terminal to stderr, out of the result's way."""
    sys.stderr.write(text + "\n")


def short_id(run_id: str) -> str:
    """A run id cut to its first 8 characters, as git shortens commits, for tables on narrow terminals."""
    return run_id[:8]


def run_path(run_id: str, action: str = "") -> str:
    """The API path of a workflow run (or of one of its actions and views), with the id quoted."""
    path = f"/api/v1/workflows/{parse.quote(run_id, safe='')}"
    return f"{path}/{action}" if action else path
