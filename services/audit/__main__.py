"""Entry point of the audit service: webhook dispatch from the outbox of run events."""

from __future__ import annotations

import trio

from hwe import config, errors
from hwe import logging as hwe_logging
from services.audit import _serve


def main() -> None:
    """Loads the settings and delivers webhooks until SIGTERM or SIGINT."""
    settings = config.load_settings()
    hwe_logging.configure(settings.log_level, "audit")
    try:
        trio.run(_serve.serve_audit, settings)
    except errors.ConfigError as err:  # e.g. the secret provider cannot be opened: one line, not a traceback
        raise SystemExit(f"audit: {err}") from None


if __name__ == "__main__":
    main()
