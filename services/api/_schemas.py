"""Routes of schemas: the input schemas of stored workflow definitions, by name and version."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
