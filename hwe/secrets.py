"""Where secrets come from: the engine's own (the API-key pepper) and each tenant's.

`open_secret_provider` picks the provider from the settings: Vault (`hwe.vault`, KV v2) or a JSON
object file. In production the file is mounted from a Kubernetes secret, must exist and is
read-only; in development it is created with random engine values on first use, says loudly that
it is for development only, and stores tenant secrets under `"tenants"`. Tenant secrets are
separate from engine secrets: a tenant reaches only its own (`tools.secrets.*`), never the
engine's. Callers never log a secret's value.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from hwe import config, errors

logger = logging.getLogger(__name__)

API_KEY_PEPPER = "api_key_pepper"
_GENERATED_IN_DEVELOPMENT = (API_KEY_PEPPER,)
# A name is one path segment: it starts with a letter or digit (so never "." or ".."), has no "/".
_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class SecretProvider(Protocol):
    """Reads engine secrets, and reads and writes each tenant's secrets. Every method may block on I/O."""

    def get(self, name: str) -> str:
        """Returns the engine secret's value; raises ConfigError when it is missing."""
        ...

    def get_tenant_secret(self, tenant_id: str, name: str) -> str:
        """Returns the tenant's secret; raises SecretNotFound, SecretStoreRefused or SecretStoreUnavailable."""
        ...

    def set_tenant_secret(self, tenant_id: str, name: str, value: str) -> None:
        """Stores the tenant's secret; raises SecretStoreRefused or SecretStoreUnavailable."""
        ...

    def delete_tenant_secret(self, tenant_id: str, name: str) -> None:
        """Deletes the tenant's secret with every stored version of it (an absent one is no error);
        raises SecretStoreRefused or SecretStoreUnavailable."""
        ...


def check_secret_name(name: str) -> None:
    """Raises ValueError unless `name` is a usable secret name (it can never leave the tenant's path).

    Args:
        name: 1 to 128 letters, digits, `_`, `.` or `-`, starting with a letter or digit.
    """
    if not _SECRET_NAME.match(name):
        raise ValueError(
            f"invalid secret name {name[:140]!r}: use 1 to 128 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )


def check_tenant_path(tenant_id: str, name: str) -> None:
    """Raises ValueError unless both the tenant id and the name are single, safe path segments."""
    check_secret_name(name)
    if not _SECRET_NAME.match(tenant_id):
        raise ValueError(f"invalid tenant id {tenant_id[:140]!r} for a secret path")


class FileSecretProvider:
    """Secrets from a JSON object file (a mounted Kubernetes secret, or the development file).

    Engine secrets are top-level strings; tenant secrets live in `{"tenants": {tenant: {name: value}}}`.
    Writes (development only) replace the file atomically under an exclusive lock.
    """

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self._path = path
        self._writable = writable

    def get(self, name: str) -> str:
        """Returns the engine secret's value; raises ConfigError when the file or the name is missing."""
        value = self._read().get(name)
        if not isinstance(value, str) or not value:
            raise errors.ConfigError(f"the secrets file {self._path} has no value for {name!r}")
        return value

    def get_tenant_secret(self, tenant_id: str, name: str) -> str:
        """Returns the tenant's secret.

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretNotFound: the tenant has no secret of that name.
        """
        check_tenant_path(tenant_id, name)
        value = _tenant_secrets(self._read(), tenant_id).get(name)
        if not isinstance(value, str):
            raise errors.SecretNotFound(f"secret {name!r} is not set for this tenant")
        return value

    def set_tenant_secret(self, tenant_id: str, name: str, value: str) -> None:
        """Stores the tenant's secret: rewrites the file atomically (temp file, rename), mode 0600.

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretStoreRefused: the file is read-only here (production: a mounted Kubernetes secret).
        """
        check_tenant_path(tenant_id, name)
        if not self._writable:
            raise errors.SecretStoreRefused(
                f"cannot store secret {name!r}: the secrets file is a read-only mounted secret in production; "
                "use Vault ([secrets] provider = vault) to store tenant secrets"
            )
        # The lock makes read-modify-write safe across workers sharing the development file.
        with _locked(self._path.with_name(f"{self._path.name}.lock")):
            values = self._read()
            tenants = values.setdefault("tenants", {})
            mine = tenants.setdefault(tenant_id, {}) if isinstance(tenants, dict) else None
            if not isinstance(mine, dict):
                raise errors.ConfigError(f"the secrets file {self._path} has a 'tenants' entry that is not an object")
            mine[name] = value
            _replace_file(self._path, json.dumps(values, indent=2))
        logger.info("stored secret %s for tenant %s (%s characters)", name, tenant_id, len(value))

    def delete_tenant_secret(self, tenant_id: str, name: str) -> None:
        """Deletes the tenant's secret from the file (an absent one is no error).

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretStoreRefused: the file is read-only here (production: a mounted Kubernetes secret).
        """
        check_tenant_path(tenant_id, name)
        if not self._writable:
            raise errors.SecretStoreRefused(
                f"cannot delete secret {name!r}: the secrets file is a read-only mounted secret in production"
            )
        with _locked(self._path.with_name(f"{self._path.name}.lock")):
            values = self._read()
            mine = _tenant_secrets(values, tenant_id)
            if name not in mine:
                return
            del mine[name]
            _replace_file(self._path, json.dumps(values, indent=2))
        logger.info("deleted secret %s for tenant %s", name, tenant_id)

    def _read(self) -> dict[str, Any]:
        try:
            values = json.loads(self._path.read_text())
        except (OSError, ValueError) as err:
            raise errors.ConfigError(f"cannot read the secrets file {self._path}") from err
        if not isinstance(values, dict):
            raise errors.ConfigError(f"the secrets file {self._path} does not hold a JSON object")
        return values


def _tenant_secrets(values: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    tenants = values.get("tenants")
    mine = tenants.get(tenant_id) if isinstance(tenants, dict) else None
    return mine if isinstance(mine, dict) else {}


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _write_temp(path: Path, text: str) -> Path:
    # mkstemp creates the file with mode 0600, in the target's directory so a rename is atomic.
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return Path(temp)


def _replace_file(path: Path, text: str) -> None:
    temp = _write_temp(path, text)
    try:
        temp.replace(path)
    except OSError:
        temp.unlink(missing_ok=True)
        raise


def _create_file_once(path: Path, text: str) -> bool:
    # link() fails when the path exists, so of two processes starting at once exactly one creates the
    # file and both then read the same values; the file is never seen half-written.
    temp = _write_temp(path, text)
    try:
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    finally:
        temp.unlink()


def open_secret_provider(settings: config.Settings) -> SecretProvider:
    """Returns the provider the settings ask for, creating the development file when needed.

    Raises:
        ConfigError: Vault without an address, or without a token or role for its auth method; in production,
            Vault unreachable or refusing the login (`vault.open_provider`), or no secrets file.
    """
    if settings.secrets_provider == "vault":
        # Imported here: hvac and requests add ~0.1 s to every start of a service or CLI that never uses Vault.
        from hwe import vault

        return vault.open_provider(settings)
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
        generated = {name: secrets.token_urlsafe(32) for name in _GENERATED_IN_DEVELOPMENT}
        if _create_file_once(path, json.dumps(generated)):
            logger.warning("created development secrets at %s: for development only, never production", path)
    return FileSecretProvider(path, writable=True)
