"""Where the engine's secrets come from (today: the API-key pepper).

`open_secret_provider` picks the provider from the settings. The file provider reads a JSON
object from a file: in production that file is mounted from a Kubernetes secret and must exist;
in development it is created with random values on first use and says loudly that it is for
development only. Callers never log a secret's value.
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path
from typing import Protocol

from hwe import config, errors

logger = logging.getLogger(__name__)

API_KEY_PEPPER = "api_key_pepper"
_GENERATED_IN_DEVELOPMENT = (API_KEY_PEPPER,)


class SecretProvider(Protocol):
    """Reads one secret by name."""

    def get(self, name: str) -> str:
        """Returns the secret's value; raises ConfigError when it is missing."""
        ...


class FileSecretProvider:
    """Secrets from a JSON object file (a mounted Kubernetes secret, or the development file)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def get(self, name: str) -> str:
        """Returns the secret's value; raises ConfigError when the file or the name is missing."""
        try:
            values = json.loads(self._path.read_text())
        except (OSError, ValueError) as err:
            raise errors.ConfigError(f"cannot read the secrets file {self._path}") from err
        value = values.get(name) if isinstance(values, dict) else None
        if not isinstance(value, str) or not value:
            raise errors.ConfigError(f"the secrets file {self._path} has no value for {name!r}")
        return value


def open_secret_provider(settings: config.Settings) -> SecretProvider:
    """Returns the provider the settings ask for, creating the development file when needed.

    Raises:
        ConfigError: production mode without a secrets file.
    """
    path = settings.secrets_file
    if settings.is_production:
        if path is None or not path.is_file():
            raise errors.ConfigError(
                "production mode needs a secrets file: set [secrets] file or HWE_SECRETS_FILE "
                "to a mounted JSON file holding api_key_pepper"
            )
        return FileSecretProvider(path)
    path = path or settings.state_dir / "dev-secrets.json"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({name: secrets.token_urlsafe(32) for name in _GENERATED_IN_DEVELOPMENT}))
        path.chmod(0o600)
        logger.warning("created development secrets at %s: for development only, never production", path)
    return FileSecretProvider(path)
