"""Entry point of the worker service."""

from __future__ import annotations

import trio

from hwe import config, errors, outbound, secrets, tools
from hwe import logging as hwe_logging
from hwe.tools import http as http_tool
from hwe.tools import secrets as secret_tools
from services.worker import _serve


def main() -> None:
    """Loads the settings and serves the worker until SIGTERM or SIGINT has drained it."""
    settings = config.load_settings()
    hwe_logging.configure(settings.log_level, "worker")
    tools.load_builtin_tools()
    # Opened once here, so a misconfigured secret provider stops the worker at start, not a run later.
    try:
        provider = secrets.open_secret_provider(settings)
    except errors.ConfigError as err:
        raise SystemExit(f"worker: {err}") from None  # one line on stderr, not a traceback
    secret_tools.use_provider(provider)
    http_tool.use_policy(outbound.parse_policy(settings.outbound_allowed_networks))
    trio.run(_serve.serve_worker, settings)


if __name__ == "__main__":
    main()
