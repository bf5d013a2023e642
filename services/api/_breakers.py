"""Routes of circuit breakers: list, read and reset the breakers tools call through."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
