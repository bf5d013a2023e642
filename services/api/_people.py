"""What the people routes share (services/api/_users.py, _tokens.py, _invitations.py): reading roles, pages and
revocation reasons, naming who acted, and forgetting a person's tokens from the principal cache."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hwe import errors, people, tenants
from services.api import _query, _state

MAX_PER_PAGE = 200


def roles_field(body: dict[str, Any], default: list[str] | None) -> Any:
    """`roles`, else `role`, else the default; both at once is ambiguous."""
    if "role" in body and "roles" in body:
        raise errors.InvalidRequest("invalid_role", "send role or roles, not both")
    if "roles" in body:
        return body["roles"]
    if "role" in body:
        return [body["role"]]
    return default


def page(params: Any) -> people.Page:
    """The `page` and `per_page` query parameters (at most MAX_PER_PAGE a page)."""
    number = _query.integer(params, "page", 1, 1, _query.MAX_PAGE)
    return people.Page(number, _query.integer(params, "per_page", 50, 1, MAX_PER_PAGE))


def page_answer(name: str, items: list[dict[str, Any]], total: int, page: people.Page) -> dict[str, Any]:
    """A listing's answer: its items under `name`, how many match in all, and which page this is."""
    return {name: items, "total": total, "page": page.number, "per_page": page.size}


async def optional_reason(request: Request) -> None:
    """Reads (and so checks) the optional `{"reason": ...}` body of a revocation."""
    if await request.body():
        body = await _state.read_json_object(request, ("reason",))
        if not isinstance(body.get("reason", ""), str):
            raise errors.InvalidRequest("invalid_reason", "reason: a string")


def actor(principal: tenants.Principal) -> str:
    """Who made a change, as the people records name them."""
    return f"user:{principal.user_email}" if principal.user_email else f"key:hw_{principal.key_prefix}"


def forget(request: Request, prefixes: list[str]) -> None:
    """Drops tokens from this process's principal cache, so their changed rights apply from the next request."""
    cache = _state.get(request).principals
    for prefix in prefixes:
        cache.forget(prefix)
