"""Routes of logs: each task attempt's output, by workflow, task and activity."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
