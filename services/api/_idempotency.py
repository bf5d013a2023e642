"""Routes of idempotency keys: delete one or reset all (admin; for tests and recovery)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
