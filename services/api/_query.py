"""Query-parameter readers of the log and activity views: each answers 400 with a reason for a malformed value.

Cursors are opaque to clients: `keyset_cursor` encodes the (created_at, id) of a page's last row (the next
page holds the rows strictly older), `row_cursor` the id of a log row (the next page holds the later ones).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Sequence

from starlette.requests import Request

from hwe import errors

MAX_TEXT = 200


def integer(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    """The integer parameter `name`, from `minimum` to `maximum`, or `default` when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not minimum <= int(raw) <= maximum:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be an integer from {minimum} to {maximum}")
    return int(raw)


def number(request: Request, name: str, minimum: float, maximum: float) -> float | None:
    """The number parameter `name`, from `minimum` to `maximum`, or None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = float(raw) if raw.isascii() and len(raw) <= 20 else float("nan")
    except ValueError:
        value = float("nan")
    if not minimum <= value <= maximum:  # NaN fails both comparisons
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be a number from {minimum:g} to {maximum:g}")
    return value


def boolean(request: Request, name: str, default: bool) -> bool:
    """The boolean parameter `name` (true or false), or `default` when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be true or false")
    return raw == "true"


def choice(request: Request, name: str, allowed: Sequence[str]) -> str | None:
    """The parameter `name`, one of `allowed`, or None when absent."""
    raw = request.query_params.get(name)
    if raw is not None and raw not in allowed:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be one of {', '.join(allowed)}")
    return raw


def text(request: Request, name: str) -> str | None:
    """The parameter `name`: 1 to `MAX_TEXT` printable characters, or None when absent."""
    raw = request.query_params.get(name)
    if raw is not None and not (0 < len(raw) <= MAX_TEXT and raw.isprintable()):
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be 1 to {MAX_TEXT} printable characters")
    return raw


def identifier(request: Request, name: str) -> uuid.UUID | None:
    """The UUID parameter `name`, or None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        if len(raw) > 45:
            raise ValueError(name)
        return uuid.UUID(raw)
    except ValueError as err:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be a UUID") from err


def time(request: Request, name: str) -> datetime.datetime | None:
    """The ISO 8601 date and time parameter `name` (UTC when it has no offset), or None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError as err:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be an ISO 8601 date and time") from err
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def keyset_cursor(created_at: datetime.datetime, row_id: uuid.UUID) -> str:
    """The cursor of a page whose last row is (created_at, row_id)."""
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_keyset_cursor(request: Request) -> tuple[datetime.datetime | None, uuid.UUID | None]:
    """The (created_at, id) the `cursor` parameter encodes, or (None, None) for the first page."""
    cursor = request.query_params.get("cursor")
    if cursor is None:
        return None, None
    try:
        created_at, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (ValueError, TypeError, binascii.Error) as err:
        raise errors.InvalidRequest("invalid_cursor", "cursor is not a next_cursor this API returned") from err


def read_row_cursor(request: Request) -> int:
    """The log row id the `cursor` parameter names (0 for the first page)."""
    raw = request.query_params.get("cursor")
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise errors.InvalidRequest("invalid_cursor", "cursor is not a next_cursor this API returned")
    return int(raw)
