"""Entry point of the timeout service."""

from __future__ import annotations

import trio

from hwe import config
from hwe import logging as hwe_logging
from services.timeout import _serve


def main() -> None:
    """Loads the settings and runs the sweeps until SIGTERM or SIGINT."""
    settings = config.load_settings()
    hwe_logging.configure(settings.log_level, "timeout")
    trio.run(_serve.serve_timeout, settings)


if __name__ == "__main__":
    main()
