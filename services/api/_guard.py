"""The request guard: gives each request an id, and rejects a body the API will not read.

Runs before routing, for every route, so each endpoint sees a URL without NUL characters, and a
body (if any) of at most `MAX_BODY_BYTES`, sent as `application/json` (UTF-8): a JSON object nested
at most `MAX_DEPTH` deep, without NUL characters, lone surrogates or NaN/Infinity. The one other
body type is an upload (`multipart/form-data`, at most `MAX_UPLOAD_BYTES`), streamed to the endpoint
unread, which checks its fields. Endpoints still decide which fields they need. Bodies of GET, HEAD
and OPTIONS requests are not read.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hwe import errors
from services.api import _state

MAX_BODY_BYTES = 1_048_576
MAX_UPLOAD_BYTES = 16 * 1_048_576
MAX_DEPTH = 32
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestGuard:
    """Pure ASGI middleware: request ids, then body size, content type and shape checks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if _state.REQUEST_ID_HEADER not in headers:
                    headers.append(_state.REQUEST_ID_HEADER, request_id)
            await send(message)

        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await _reject(scope, receive, send, request_id, 400, "invalid_url", "the URL must not contain NUL")
            return
        if scope["method"] in _BODYLESS_METHODS:
            await self.app(scope, receive, send_with_id)
            return
        headers = Headers(scope=scope)
        upload = _media_type(headers) == "multipart/form-data"
        limit = MAX_UPLOAD_BYTES if upload else MAX_BODY_BYTES
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reject(scope, receive, send, request_id, 413, "body_too_large", _too_large(limit))
            return
        if upload:
            await self.app(scope, _counted(receive, limit), send_with_id)
            return
        body, more = await _read_body(receive)
        if more:
            await _reject(scope, receive, send, request_id, 413, "body_too_large", _too_large(MAX_BODY_BYTES))
            return
        problem, value = _check_body(headers, body)
        if problem is not None:
            await _reject(scope, receive, send, request_id, 400, *problem)
            return
        if value is not None:  # parsed once: the endpoint reads it from here (`_state.read_json_object`)
            scope["state"][_state.JSON_BODY] = value
        await self.app(scope, _replay(body, receive), send_with_id)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """Reads the body; the flag is True when it is larger than allowed (the rest is left unread)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _check_body(headers: Headers, body: bytes) -> tuple[tuple[str, str] | None, dict[str, Any] | None]:
    """Returns (code, message) for a body the API does not accept, else None and the parsed object (if any)."""
    if not body:
        return None, None
    parameters = headers.get("content-type", "").partition(";")[2]
    charset = parameters.strip().lower().removeprefix("charset=").strip('"')
    if _media_type(headers) != "application/json" or charset not in ("", "utf-8"):
        return ("unsupported_media_type", "send the body as application/json (UTF-8)"), None
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return ("invalid_json", "the body is not valid JSON"), None
    if not isinstance(value, dict):
        return ("invalid_json", "the body must be a JSON object"), None
    problem = _check_value(value)
    return problem, None if problem is not None else value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_value(root: dict[str, Any]) -> tuple[str, str] | None:
    """Walks the parsed body without recursion: depth, NUL characters, lone surrogates."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "invalid_json", "the body must not contain NUL characters"
            if not _is_valid_unicode(value):
                return "invalid_json", "the body must not contain lone surrogate characters"
            continue
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            return "too_deep", f"the body is nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


def _is_valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then the client's later messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _counted(receive: Receive, limit: int) -> Receive:
    """A receive that refuses (413, through the endpoint's error handler) a streamed body over `limit`."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise errors.PayloadTooLarge(_too_large(limit))
        return message

    return counted


def _media_type(headers: Headers) -> str:
    return headers.get("content-type", "").partition(";")[0].strip().lower()


def _too_large(limit: int) -> str:
    return f"the body is larger than {limit} bytes"


async def _reject(
    scope: Scope, receive: Receive, send: Send, request_id: str, status: int, code: str, message: str
) -> None:
    response = _state.error_response(status, code, message, request_id=request_id)
    await response(scope, receive, send)
