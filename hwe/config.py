"""Typed settings for every service and the CLI.

Read once at start-up by each service's `main()` and passed down explicitly; nothing else reads the
environment. Sources, later ones winning: built-in defaults, the INI file (`HWE_CONFIG`, else
`/etc/highway/config.ini` when present), then `HWE_*` variables. See docs/configuration.md.
"""

from __future__ import annotations

import configparser
import dataclasses
import datetime
import os
from collections.abc import Mapping
from pathlib import Path

from hwe import durations, errors, outbound

DEFAULT_CONFIG_PATH = Path("/etc/highway/config.ini")
VAULT_AUTH_METHODS = ("token", "kubernetes")
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting the engine reads, with its default."""

    env: str = "development"
    database_url: str | None = None
    state_dir: Path = Path(".hwe")
    pool_size: int = 4
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    # Twice what one API process is meant to sustain from one key (500 runs/s), so the default stops a
    # runaway client without being what limits a busy one.
    api_rate_limit_per_second: float = 1000.0
    api_rate_limit_burst: int = 2000
    # A console session's absolute lifetime from sign-in; it is not extended by use.
    api_session_ttl_seconds: int = 8 * 3600
    # Whether the session cookie carries `Secure` (HTTPS only); `hwe up` and the test stack serve plain HTTP.
    api_secure_cookies: bool = True
    # Sign-in attempts per minute from one client address (per API process), on top of the per-account lock-out.
    api_sign_in_per_minute: float = 30.0
    api_url: str | None = None
    api_key: str | None = None
    # Where the trio services serve /metrics, /healthz and /readyz (each on its own metrics port).
    metrics_host: str = "127.0.0.1"
    workers: int = 1
    worker_queue: str = "default"
    worker_concurrency: int = 8
    worker_lease_seconds: float = 30.0
    worker_poll_seconds: float = 1.0
    worker_drain_seconds: float = 30.0
    worker_health_file: Path | None = None
    worker_metrics_port: int = 0
    # Comma-separated names of the worker's environment variables that `{{ENV.NAME}}` may read.
    template_env: str = ""
    timeout_scan_seconds: float = 1.0
    timeout_batch: int = 100
    timeout_metrics_port: int = 0
    timeout_health_file: Path | None = None
    task_ttl_seconds: float = 7 * 86_400.0
    event_ttl_seconds: float = 30 * 86_400.0
    worker_ttl_seconds: float = 86_400.0
    cleanup_every_seconds: float = 300.0
    secrets_file: Path | None = None
    secrets_provider: str = "file"
    vault_addr: str | None = None
    vault_token: str | None = dataclasses.field(default=None, repr=False)  # a credential: keep it out of reprs
    vault_mount: str = "secret"
    vault_auth_method: str = "token"  # one of VAULT_AUTH_METHODS
    vault_role: str | None = None  # the Vault role the kubernetes method logs in to
    vault_auth_mount: str = "kubernetes"
    # The projected service-account token (audience `vault`) the kubernetes method presents; re-read at each login.
    vault_token_path: Path = Path("/var/run/secrets/vault/token")
    root_task_max_attempts: int = 10
    scheduler_tick_seconds: float = 1.0
    scheduler_misfire_grace_seconds: float = 60.0
    scheduler_metrics_port: int = 0
    scheduler_health_file: Path | None = None
    # The founding notes' place for `hwe backup`; the command creates it 0700 and writes each dump 0600.
    backup_dir: Path = Path("/tmp/highway-workflow-backups")  # noqa: S108
    operator_api_url: str | None = None
    operator_api_key: str | None = dataclasses.field(default=None, repr=False)  # development only
    operator_namespaces: str = ""  # comma-separated; empty watches every namespace
    operator_sync_seconds: float = 5.0
    operator_listen_host: str = "127.0.0.1"
    operator_metrics_port: int = 0
    operator_health_port: int = 0
    operator_health_file: Path | None = None
    audit_poll_seconds: float = 1.0
    audit_batch: int = 50
    audit_webhook_max_attempts: int = 8
    audit_webhook_backoff_seconds: float = 5.0
    audit_webhook_timeout_seconds: float = 10.0
    audit_metrics_port: int = 0
    audit_health_file: Path | None = None
    # Where the DataShard archive of the audit trail lives: a local directory (None: <state_dir>/archive), or a
    # location `s3://BUCKET/PREFIX` in DataShard's S3 mode (its DATASHARD_S3_* environment; docs/audit.md, Archive).
    audit_archive_path: str | None = None
    audit_archive_after: datetime.timedelta = datetime.timedelta(days=30)
    audit_archive_every_seconds: float = 3600.0  # 0: the audit service never archives
    log_level: str = "INFO"
    # The console's address as people reach it (invitation links); None: the address a request came in on.
    api_public_url: str | None = None
    # Where invitation emails are written (hwe/outbox.py); None: <state_dir>/outbox in development, none in production.
    people_outbox_dir: Path | None = None
    # What webhooks and tools.http.request may connect to (hwe/outbound.py): comma-separated addresses, networks
    # (CIDR) and `public`; empty is `public`. When set, nothing else is reachable.
    outbound_allowed_networks: str = ""

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
    ("api", "rate_limit_per_second", "HWE_API_RATE_LIMIT_PER_SECOND", "api_rate_limit_per_second"),
    ("api", "rate_limit_burst", "HWE_API_RATE_LIMIT_BURST", "api_rate_limit_burst"),
    ("api", "public_url", "HWE_API_PUBLIC_URL", "api_public_url"),
    ("people", "outbox_dir", "HWE_PEOPLE_OUTBOX_DIR", "people_outbox_dir"),
    ("api", "session_ttl_seconds", "HWE_API_SESSION_TTL_SECONDS", "api_session_ttl_seconds"),
    ("api", "secure_cookies", "HWE_API_SECURE_COOKIES", "api_secure_cookies"),
    ("api", "sign_in_per_minute", "HWE_API_SIGN_IN_PER_MINUTE", "api_sign_in_per_minute"),
    ("worker", "template_env", "HWE_TEMPLATE_ENV", "template_env"),
    ("metrics", "host", "HWE_METRICS_HOST", "metrics_host"),
    ("cli", "api_url", "HWE_API_URL", "api_url"),
    ("cli", "api_key", "HWE_API_KEY", "api_key"),
    ("worker", "count", "HWE_WORKERS", "workers"),
    ("worker", "queue", "HWE_WORKER_QUEUE", "worker_queue"),
    ("worker", "concurrency", "HWE_WORKER_CONCURRENCY", "worker_concurrency"),
    ("worker", "lease_seconds", "HWE_WORKER_LEASE_SECONDS", "worker_lease_seconds"),
    ("worker", "poll_seconds", "HWE_WORKER_POLL_SECONDS", "worker_poll_seconds"),
    ("worker", "drain_seconds", "HWE_WORKER_DRAIN_SECONDS", "worker_drain_seconds"),
    ("worker", "health_file", "HWE_WORKER_HEALTH_FILE", "worker_health_file"),
    ("worker", "metrics_port", "HWE_WORKER_METRICS_PORT", "worker_metrics_port"),
    ("timeout", "scan_seconds", "HWE_TIMEOUT_SCAN_SECONDS", "timeout_scan_seconds"),
    ("timeout", "batch", "HWE_TIMEOUT_BATCH", "timeout_batch"),
    ("timeout", "metrics_port", "HWE_TIMEOUT_METRICS_PORT", "timeout_metrics_port"),
    ("timeout", "health_file", "HWE_TIMEOUT_HEALTH_FILE", "timeout_health_file"),
    ("timeout", "task_ttl_seconds", "HWE_TASK_TTL_SECONDS", "task_ttl_seconds"),
    ("timeout", "event_ttl_seconds", "HWE_EVENT_TTL_SECONDS", "event_ttl_seconds"),
    ("timeout", "worker_ttl_seconds", "HWE_WORKER_TTL_SECONDS", "worker_ttl_seconds"),
    ("timeout", "cleanup_every_seconds", "HWE_CLEANUP_EVERY_SECONDS", "cleanup_every_seconds"),
    ("secrets", "file", "HWE_SECRETS_FILE", "secrets_file"),
    ("secrets", "provider", "HWE_SECRETS_PROVIDER", "secrets_provider"),
    ("vault", "addr", "HWE_VAULT_ADDR", "vault_addr"),
    ("vault", "token", "HWE_VAULT_TOKEN", "vault_token"),
    ("vault", "mount", "HWE_VAULT_MOUNT", "vault_mount"),
    ("vault", "auth_method", "HWE_VAULT_AUTH_METHOD", "vault_auth_method"),
    ("vault", "role", "HWE_VAULT_ROLE", "vault_role"),
    ("vault", "auth_mount", "HWE_VAULT_AUTH_MOUNT", "vault_auth_mount"),
    ("vault", "token_path", "HWE_VAULT_TOKEN_PATH", "vault_token_path"),
    ("worker", "root_task_max_attempts", "HWE_ROOT_TASK_MAX_ATTEMPTS", "root_task_max_attempts"),
    ("scheduler", "tick_seconds", "HWE_SCHEDULER_TICK_SECONDS", "scheduler_tick_seconds"),
    ("scheduler", "misfire_grace_seconds", "HWE_SCHEDULER_MISFIRE_GRACE_SECONDS", "scheduler_misfire_grace_seconds"),
    ("scheduler", "metrics_port", "HWE_SCHEDULER_METRICS_PORT", "scheduler_metrics_port"),
    ("scheduler", "health_file", "HWE_SCHEDULER_HEALTH_FILE", "scheduler_health_file"),
    ("backup", "dir", "HWE_BACKUP_DIR", "backup_dir"),
    ("operator", "api_url", "HWE_OPERATOR_API_URL", "operator_api_url"),
    ("operator", "api_key", "HWE_OPERATOR_API_KEY", "operator_api_key"),
    ("operator", "namespaces", "HWE_OPERATOR_NAMESPACES", "operator_namespaces"),
    ("operator", "sync_seconds", "HWE_OPERATOR_SYNC_SECONDS", "operator_sync_seconds"),
    ("operator", "listen_host", "HWE_OPERATOR_LISTEN_HOST", "operator_listen_host"),
    ("operator", "metrics_port", "HWE_OPERATOR_METRICS_PORT", "operator_metrics_port"),
    ("operator", "health_port", "HWE_OPERATOR_HEALTH_PORT", "operator_health_port"),
    ("operator", "health_file", "HWE_OPERATOR_HEALTH_FILE", "operator_health_file"),
    ("audit", "poll_seconds", "HWE_AUDIT_POLL_SECONDS", "audit_poll_seconds"),
    ("audit", "batch", "HWE_AUDIT_BATCH", "audit_batch"),
    ("audit", "webhook_max_attempts", "HWE_AUDIT_WEBHOOK_MAX_ATTEMPTS", "audit_webhook_max_attempts"),
    ("audit", "webhook_backoff_seconds", "HWE_AUDIT_WEBHOOK_BACKOFF_SECONDS", "audit_webhook_backoff_seconds"),
    ("audit", "webhook_timeout_seconds", "HWE_AUDIT_WEBHOOK_TIMEOUT_SECONDS", "audit_webhook_timeout_seconds"),
    ("audit", "metrics_port", "HWE_AUDIT_METRICS_PORT", "audit_metrics_port"),
    ("audit", "health_file", "HWE_AUDIT_HEALTH_FILE", "audit_health_file"),
    ("audit", "archive_path", "HWE_AUDIT_ARCHIVE_PATH", "audit_archive_path"),
    ("audit", "archive_after", "HWE_AUDIT_ARCHIVE_AFTER", "audit_archive_after"),
    ("audit", "archive_every_seconds", "HWE_AUDIT_ARCHIVE_EVERY_SECONDS", "audit_archive_every_seconds"),
    ("outbound", "allowed_networks", "HWE_OUTBOUND_ALLOWED_NETWORKS", "outbound_allowed_networks"),
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
    if settings.secrets_provider not in ("file", "vault"):
        raise errors.ConfigError(f"HWE_SECRETS_PROVIDER must be 'file' or 'vault', not {settings.secrets_provider!r}")
    if settings.vault_auth_method not in VAULT_AUTH_METHODS:
        raise errors.ConfigError(unknown_vault_auth_method(settings.vault_auth_method))
    if settings.api_session_ttl_seconds <= 0:
        raise errors.ConfigError("[api] session_ttl_seconds / HWE_API_SESSION_TTL_SECONDS must be positive")
    outbound.parse_policy(settings.outbound_allowed_networks)  # a malformed entry stops the service at start
    if settings.is_production and not settings.database_url:
        raise errors.ConfigError(
            "production mode (HWE_ENV=production) needs a database URL: set [database] url in "
            "config.ini or HWE_DATABASE_URL; the embedded PostgreSQL is for development only"
        )
    return settings


def unknown_vault_auth_method(method: str) -> str:
    """The error message for a `[vault] auth_method` that is not one of VAULT_AUTH_METHODS."""
    allowed = " or ".join(repr(name) for name in VAULT_AUTH_METHODS)
    return f"[vault] auth_method / HWE_VAULT_AUTH_METHOD must be {allowed}, not {method!r}"


def _convert(raw: str, type_name: str, where: str) -> object:
    if "timedelta" in type_name:
        try:
            return durations.parse_duration(raw)
        except ValueError as err:
            raise errors.ConfigError(f"{where}: {err}") from err
    if type_name == "bool":
        if raw.strip().lower() not in _BOOLEANS:
            raise errors.ConfigError(f"{where}: {raw!r} is not true or false")
        return _BOOLEANS[raw.strip().lower()]
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
