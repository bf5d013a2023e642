"""Entry point of the scheduler service."""

from __future__ import annotations

import trio

from hwe import config, tools
from hwe import logging as hwe_logging
from services.scheduler import _serve


def main() -> None:
    """Loads the settings and fires due schedules until SIGTERM or SIGINT."""
    settings = config.load_settings()
    hwe_logging.configure(settings.log_level, "scheduler")
    # A fire submits a run, and submission validates the definition's tools against the registry.
    tools.load_builtin_tools()
    trio.run(_serve.serve_scheduler, settings)


if __name__ == "__main__":
    main()
