"""Query and path parameters of the app routes (`/api/v1/apps`, `/api/v1/tenant/apps`), each checked."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Mapping

from starlette.requests import Request

from hwe import errors
from services.api import _state

MAX_PAGE = 1000
MAX_TEXT = 200


def query(request: Request, allowed: Collection[str]) -> Mapping[str, str]:
    """The query parameters, each at most once and none unknown (400 otherwise)."""
    params = request.query_params
    for name in params:
        if name not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            raise errors.InvalidRequest("invalid_filter", f"unknown query parameter {name[:100]!r}; use {choices}")
        if len(params.getlist(name)) > 1:
            raise errors.InvalidRequest("invalid_filter", f"{name} is given more than once")
    return {name: params[name] for name in params}


def page(params: Mapping[str, str], max_size: int, default_size: int) -> tuple[int, int]:
    """`page` (1 to MAX_PAGE, 1) and `page_size` (1 to `max_size`, `default_size`)."""
    return _integer(params, "page", MAX_PAGE, 1), _integer(params, "page_size", max_size, default_size)


def _integer(params: Mapping[str, str], name: str, high: int, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7) or not 1 <= int(raw) <= high:
        raise errors.InvalidRequest(f"invalid_{name}", f"{name} must be an integer from 1 to {high}")
    return int(raw)


def text(params: Mapping[str, str], name: str) -> str | None:
    """A free-text filter of 1 to MAX_TEXT printable characters, or None when absent."""
    raw = params.get(name)
    if raw is not None and not (1 <= len(raw) <= MAX_TEXT and raw.isprintable()):
        raise errors.InvalidRequest("invalid_filter", f"{name} must be 1 to {MAX_TEXT} printable characters")
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
        raise errors.InvalidRequest("invalid_filter", f"{name} must be an ISO 8601 date and time") from err
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def path_uuid(request: Request, name: str) -> uuid.UUID:
    """A UUID path parameter; a malformed one names nothing (404, as `_state.path_uuid` answers)."""
    return _state.path_uuid(request, name)


def path_integer(request: Request, name: str) -> int:
    """A positive integer path parameter; a malformed one names nothing (404)."""
    raw: str = request.path_params[name]
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18) or int(raw) == 0:
        raise errors.NotFound(f"no such {name}: it is a positive integer")
    return int(raw)
