"""Routes of tenant apps: installations of marketplace apps, their config, secrets, logs and tools."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
