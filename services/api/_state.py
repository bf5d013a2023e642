"""What every request handler shares: settings, the pool, the pepper, and response helpers."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import psycopg_pool
from starlette.requests import Request
from starlette.responses import JSONResponse

from hwe import config, db, errors, tenants

T = TypeVar("T")


@dataclass(frozen=True)
class ApiState:
    """Resources the lifespan opened for the whole process."""

    settings: config.Settings
    pool: psycopg_pool.ConnectionPool[db.Connection]
    pepper: str
    limiter: anyio.CapacityLimiter

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs the engine function `fn(conn, *args)` in a thread, on a pooled connection."""
        call = functools.partial(db.with_connection, self.pool, fn, *args)
        return await anyio.to_thread.run_sync(call, limiter=self.limiter)


def get(request: Request) -> ApiState:
    """The process-wide state of the application serving this request."""
    state: ApiState = request.app.state.api
    return state


async def authenticate(request: Request) -> tenants.Principal:
    """Resolves the Bearer API key to its tenant and role.

    Raises:
        Unauthorized: no key, or a key that is not valid.
    """
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise errors.Unauthorized("missing API key: send Authorization: Bearer <key>")
    state = get(request)
    return await state.call(tenants.authenticate, key.strip(), state.pepper)


def success(data: Any, status: int = 200) -> JSONResponse:
    """The success envelope: `{"status": "success", "data": ...}`."""
    return JSONResponse({"status": "success", "data": data}, status_code=status)


def error_response(
    status: int, code: str, message: str, *, request_id: str | None = None, details: Any = None, **top_level: Any
) -> JSONResponse:
    """The error envelope: `{"status": "error", "code", "message", "details", "request_id"}`."""
    body = {
        "status": "error",
        "code": code,
        "message": message,
        "details": details,
        "request_id": request_id or str(uuid.uuid4()),
        **top_level,
    }
    return JSONResponse(body, status_code=status)
