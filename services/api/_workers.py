"""Routes of workers: registry, heartbeats and commands (drain, pause, resume, capacity)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
