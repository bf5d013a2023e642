"""Routes of replay and simulation: a run's recorded steps, and a definition run against them without side effects."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
