"""Routes of signals, updates and queries: talking to a running workflow."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
