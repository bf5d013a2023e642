"""Routes of analytics, statistics, tasks and runs: bounded read models for dashboards and operators."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
