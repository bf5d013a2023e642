"""Query parameters of the read-model routes: each checked, a malformed or out-of-range one answered 400."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Mapping

from starlette.requests import Request

from hwe import errors, tenants

MAX_OFFSET = 10_000
MAX_TEXT = 200


def query(request: Request, allowed: Collection[str]) -> Mapping[str, str]:
    """The query parameters, each at most once, none unknown, none with a NUL byte."""
    params = request.query_params
    for name in params:
        if name not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            raise errors.InvalidRequest("invalid_filter", f"unknown query parameter {name!r}; use {choices}")
        values = params.getlist(name)
        if len(values) > 1:
            raise errors.InvalidRequest("invalid_filter", f"{name} is given more than once")
        if "\x00" in values[0]:
            raise errors.InvalidRequest("invalid_filter", f"{name} holds a NUL byte")
    return {name: params[name] for name in params}


def integer(params: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    """An integer parameter from `low` to `high`, or its default when absent."""
    raw = params.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7) or not low <= int(raw) <= high:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be an integer from {low} to {high}")
    return int(raw)


def text(params: Mapping[str, str], name: str) -> str | None:
    """A free-text filter of at most MAX_TEXT characters, or None when absent."""
    raw = params.get(name)
    if raw is not None and not 1 <= len(raw) <= MAX_TEXT:
        raise errors.InvalidRequest("invalid_filter", f"{name} must be 1 to {MAX_TEXT} characters")
    return raw


def choice(params: Mapping[str, str], name: str, choices: Collection[str]) -> str | None:
    """One of `choices`, or None when absent."""
    raw = params.get(name)
    if raw is not None and raw not in choices:
        raise errors.InvalidRequest("invalid_filter", f"{name} must be one of {', '.join(choices)}")
    return raw


def moment(params: Mapping[str, str], name: str) -> datetime.datetime | None:
    """An ISO 8601 date and time (UTC when it has no offset), or None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError as err:
        raise errors.InvalidRequest("invalid_window", f"{name} must be an ISO 8601 date and time") from err
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def uuid_value(raw: str | None, name: str) -> uuid.UUID | None:
    """A UUID, or None when absent; a malformed one is a 400 naming the parameter."""
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as err:
        raise errors.InvalidRequest("invalid_id", f"{name} must be a UUID") from err


def own_queue(principal: tenants.Principal, queue_name: str | None) -> str:
    """The caller's queue; naming any other queue answers 404, as an unknown one does."""
    if queue_name is not None and queue_name != principal.queue_name:
        raise errors.NotFound(f"queue {queue_name!r} not found")
    return principal.queue_name


def offset_of_page(page: int, page_size: int) -> int:
    """The offset of a page, which must stay within MAX_OFFSET."""
    offset = (page - 1) * page_size
    if offset > MAX_OFFSET:
        raise errors.InvalidRequest("invalid_page", f"page * page_size may reach at most {MAX_OFFSET} rows back")
    return offset
