"""Finds the database for a CLI command: the configured URL, else the embedded development server."""

from __future__ import annotations

from typing import Any

from hwe import config, embedded, errors


def resolve(settings: config.Settings) -> tuple[str, Any]:
    """Returns the database URL and, when the embedded server was started for it, its handle.

    The embedded server lives in `<state_dir>/pgdata` and stops when this process exits.

    Raises:
        ConfigError: production mode without a configured URL.
    """
    if settings.database_url:
        return settings.database_url, None
    if settings.is_production:
        raise errors.ConfigError("production mode needs a configured database URL")
    server = embedded.start_server((settings.state_dir / "pgdata").resolve())
    return embedded.server_url(server), server
