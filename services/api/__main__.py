"""Entry point of the API service."""

from __future__ import annotations

import uvicorn

from hwe import config
from hwe import logging as hwe_logging
from services.api import _app


def main() -> None:
    """Loads the settings and serves the API until SIGTERM or SIGINT."""
    settings = config.load_settings()
    hwe_logging.configure(settings.log_level, "api")
    uvicorn.run(
        _app.create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
