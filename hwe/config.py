"""Typed settings for every service and the CLI.

Read once at start-up by each service's `main()` and passed down explicitly; nothing else reads the
environment. Sources, later ones winning: built-in defaults, the INI file (`HWE_CONFIG`, else
`/etc/highway/config.ini` when present), then `HWE_*` variables. See docs/configuration.md.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from hwe import errors

DEFAULT_CONFIG_PATH = Path("/etc/highway/config.ini")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting the engine reads, with its default."""

    env: str = "development"
    database_url: str | None = None
    state_dir: Path = Path(".hwe")
    pool_size: int = 4
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    workers: int = 1
    worker_queue: str = "default"
    worker_concurrency: int = 8
    worker_lease_seconds: float = 30.0
    worker_poll_seconds: float = 1.0
    worker_drain_seconds: float = 30.0
    worker_health_file: Path | None = None
    worker_metrics_port: int = 0
    secrets_file: Path | None = None
    root_task_max_attempts: int = 10
    log_level: str = "INFO"

    @property
    def is_production(self) -> bool:
        """True when the engine must refuse every development fallback."""
        return self.env == "production"


# (section, key) in config.ini, environment variable, field name
_SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("engine", "env", "HWE_ENV", "env"),
    ("engine", "state_dir", "HWE_STATE_DIR", "state_dir"),
    ("engine", "log_level", "HWE_LOG_LEVEL", "log_level"),
    ("database", "url", "HWE_DATABASE_URL", "database_url"),
    ("database", "pool_size", "HWE_POOL_SIZE", "pool_size"),
    ("api", "host", "HWE_API_HOST", "api_host"),
    ("api", "port", "HWE_API_PORT", "api_port"),
    ("worker", "count", "HWE_WORKERS", "workers"),
    ("worker", "queue", "HWE_WORKER_QUEUE", "worker_queue"),
    ("worker", "concurrency", "HWE_WORKER_CONCURRENCY", "worker_concurrency"),
    ("worker", "lease_seconds", "HWE_WORKER_LEASE_SECONDS", "worker_lease_seconds"),
    ("worker", "poll_seconds", "HWE_WORKER_POLL_SECONDS", "worker_poll_seconds"),
    ("worker", "drain_seconds", "HWE_WORKER_DRAIN_SECONDS", "worker_drain_seconds"),
    ("worker", "health_file", "HWE_WORKER_HEALTH_FILE", "worker_health_file"),
    ("worker", "metrics_port", "HWE_WORKER_METRICS_PORT", "worker_metrics_port"),
    ("secrets", "file", "HWE_SECRETS_FILE", "secrets_file"),
    ("worker", "root_task_max_attempts", "HWE_ROOT_TASK_MAX_ATTEMPTS", "root_task_max_attempts"),
)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Builds the settings from defaults, the INI file and the environment.

    Args:
        environ: the environment to read; `os.environ` when omitted.

    Raises:
        ConfigError: a value has the wrong type, the INI file named by HWE_CONFIG is missing, or
            production mode lacks a database URL.
    """
    env = os.environ if environ is None else environ
    parser = configparser.ConfigParser()
    config_path = env.get("HWE_CONFIG")
    if config_path:
        if not Path(config_path).is_file():
            raise errors.ConfigError(f"HWE_CONFIG names {config_path}, which is not a file")
        parser.read(config_path)
    elif DEFAULT_CONFIG_PATH.is_file():
        parser.read(DEFAULT_CONFIG_PATH)

    types = {f.name: f.type for f in dataclasses.fields(Settings)}
    values: dict[str, object] = {}
    for section, key, variable, field in _SOURCES:
        raw = env.get(variable)
        if raw is None and parser.has_option(section, key):
            raw = parser.get(section, key)
        if raw is None or raw == "":
            continue
        values[field] = _convert(raw, str(types[field]), f"[{section}] {key} / {variable}")

    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.env not in ("development", "production"):
        raise errors.ConfigError(f"HWE_ENV must be 'development' or 'production', not {settings.env!r}")
    if settings.is_production and not settings.database_url:
        raise errors.ConfigError(
            "production mode (HWE_ENV=production) needs a database URL: set [database] url in "
            "config.ini or HWE_DATABASE_URL; the embedded PostgreSQL is for development only"
        )
    return settings


def _convert(raw: str, type_name: str, where: str) -> object:
    try:
        if "int" in type_name:
            return int(raw)
        if "float" in type_name:
            return float(raw)
        if "Path" in type_name:
            return Path(raw)
    except ValueError as err:
        raise errors.ConfigError(f"{where}: {raw!r} is not a valid {type_name}") from err
    return raw
