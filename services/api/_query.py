"""The one way to read query parameters: `query` checks their names, the typed readers their values.

A handler first calls `query(request, allowed)`, which refuses (400 `invalid_filter`) a parameter it does not
take, one given twice and one holding a NUL byte, then reads each value from the mapping it answers with a
typed reader below. A malformed or out-of-range value answers 400 `invalid_<name>` with the reason.

Cursors are opaque to clients: `keyset_cursor` encodes the (created_at, id) of a page's last row (the next
page holds the rows strictly older), `row_cursor` the id of a log row (the next page holds the later ones).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Collection, Mapping

from starlette.requests import Request

from hwe import errors, tenants

MAX_TEXT = 200
MAX_OFFSET = 10_000
MAX_PAGE = 1000
MAX_NAME_CHARS = 100


def query(request: Request, allowed: Collection[str]) -> Mapping[str, str]:
    """The query parameters, each at most once, none unknown, none with a NUL byte."""
    params = request.query_params
    for name in params:
        if name not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            raise errors.InvalidRequest(
                "invalid_filter", f"unknown query parameter {name[:MAX_NAME_CHARS]!r}; use {choices}"
            )
        values = params.getlist(name)
        if len(values) > 1:
            raise errors.InvalidRequest("invalid_filter", f"{name} is given more than once")
        if "\x00" in values[0]:
            raise errors.InvalidRequest("invalid_filter", f"{name} holds a NUL byte")
    return {name: params[name] for name in params}


def integer(params: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    """The integer parameter `name`, from `minimum` to `maximum`, or `default` when absent."""
    raw = params.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses; at most a bigint's 19, as int()
    # of thousands of digits is slow.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or not minimum <= int(raw) <= maximum:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be an integer from {minimum} to {maximum}")
    return int(raw)


def number(params: Mapping[str, str], name: str, minimum: float, maximum: float) -> float | None:
    """The number parameter `name`, from `minimum` to `maximum`, or None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = float(raw) if raw.isascii() and len(raw) <= 20 else float("nan")
    except ValueError:
        value = float("nan")
    if not minimum <= value <= maximum:  # NaN fails both comparisons
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be a number from {minimum:g} to {maximum:g}")
    return value


def boolean(params: Mapping[str, str], name: str, default: bool) -> bool:
    """The boolean parameter `name` (true or false), or `default` when absent."""
    raw = params.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be true or false")
    return raw == "true"


def choice(params: Mapping[str, str], name: str, allowed: Collection[str]) -> str | None:
    """The parameter `name`, one of `allowed`, or None when absent."""
    raw = params.get(name)
    if raw is not None and raw not in allowed:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be one of {', '.join(allowed)}")
    return raw


def text(params: Mapping[str, str], name: str, max_length: int = MAX_TEXT) -> str | None:
    """The parameter `name`: 1 to `max_length` printable characters, or None when absent."""
    raw = params.get(name)
    if raw is not None and not (0 < len(raw) <= max_length and raw.isprintable()):
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be 1 to {max_length} printable characters")
    return raw


def identifier(params: Mapping[str, str], name: str) -> uuid.UUID | None:
    """The UUID parameter `name`, or None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        if len(raw) > 45:
            raise ValueError(name)
        return uuid.UUID(raw)
    except ValueError as err:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be a UUID") from err


def time(params: Mapping[str, str], name: str) -> datetime.datetime | None:
    """The ISO 8601 date and time parameter `name` (UTC when it has no offset), or None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError as err:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be an ISO 8601 date and time") from err
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def page(params: Mapping[str, str], max_size: int, default_size: int) -> tuple[int, int]:
    """`page` (1 to MAX_PAGE, 1) and `page_size` (1 to `max_size`, `default_size`)."""
    return integer(params, "page", 1, 1, MAX_PAGE), integer(params, "page_size", default_size, 1, max_size)


def own_queue(principal: tenants.Principal, queue_name: str | None) -> str:
    """The caller's queue; naming any other queue answers 404, as an unknown one does."""
    if queue_name is not None and queue_name != principal.queue_name:
        raise errors.NotFound(f"queue {queue_name!r} not found")
    return principal.queue_name


def keyset_cursor(created_at: datetime.datetime, row_id: uuid.UUID) -> str:
    """The cursor of a page whose last row is (created_at, row_id)."""
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_keyset_cursor(params: Mapping[str, str]) -> tuple[datetime.datetime | None, uuid.UUID | None]:
    """The (created_at, id) the `cursor` parameter encodes, or (None, None) for the first page."""
    cursor = params.get("cursor")
    if cursor is None:
        return None, None
    try:
        created_at, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (ValueError, TypeError, binascii.Error) as err:
        raise errors.InvalidRequest("invalid_cursor", "cursor is not a next_cursor this API returned") from err


def read_row_cursor(params: Mapping[str, str]) -> int:
    """The log row id the `cursor` parameter names (0 for the first page)."""
    raw = params.get("cursor")
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise errors.InvalidRequest("invalid_cursor", "cursor is not a next_cursor this API returned")
    return int(raw)
