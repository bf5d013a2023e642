"""Routes of activities: the activity child runs of a workflow and their heartbeats."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
