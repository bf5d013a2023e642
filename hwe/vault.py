"""The Vault secret provider (hvac, KV version 2): engine and tenant secrets in production.

Opened by `secrets.open_secret_provider` when `[secrets] provider = vault`; authenticates with the
token from `[vault] token`. Each secret is one KV v2 secret whose single field `value` holds it:
engine secrets at `highway/engine/<name>`, a tenant's at `highway/tenants/<tenant_id>/<name>`,
under the mount `[vault] mount` (default `secret`). It neither creates mounts nor manages policies.
Works with HashiCorp Vault and OpenBao (the tests run against an OpenBao dev server).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import hvac
import hvac.exceptions

from hwe import errors, secrets

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
_UNAVAILABLE = (
    hvac.exceptions.VaultDown,
    hvac.exceptions.InternalServerError,
    hvac.exceptions.BadGateway,
    hvac.exceptions.RateLimitExceeded,
    hvac.exceptions.VaultNotInitialized,
)


def engine_path(name: str) -> str:
    """The KV v2 path (under the mount) of an engine secret."""
    return f"highway/engine/{name}"


def tenant_path(tenant_id: str, name: str) -> str:
    """The KV v2 path (under the mount) of a tenant's secret."""
    return f"highway/tenants/{tenant_id}/{name}"


class VaultSecretProvider:
    """Secrets in a Vault KV v2 mount, read and written through hvac (blocking HTTP calls)."""

    def __init__(self, url: str, token: str, mount: str = "secret", timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self._url = url
        self._mount = mount
        # The address and token are always passed, so hvac never falls back to VAULT_* or ~/.vault-token.
        self._client = hvac.Client(url=url, token=token, timeout=timeout)

    def get(self, name: str) -> str:
        """Returns the engine secret's value.

        Raises:
            ConfigError: Vault has no such engine secret.
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the read or could not be reached.
        """
        secrets.check_secret_name(name)
        try:
            return self._read(engine_path(name), name)
        except errors.SecretNotFound as err:
            raise errors.ConfigError(
                f"Vault at {self._url} has no engine secret {name!r} (field 'value' of "
                f"{self._mount}/{engine_path(name)})"
            ) from err

    def get_tenant_secret(self, tenant_id: str, name: str) -> str:
        """Returns the tenant's secret.

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretNotFound: the tenant has no secret of that name.
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the read or could not be reached.
        """
        secrets.check_tenant_path(tenant_id, name)
        return self._read(tenant_path(tenant_id, name), name)

    def set_tenant_secret(self, tenant_id: str, name: str, value: str) -> None:
        """Stores the tenant's secret as a new version of its KV v2 secret.

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the write or could not be reached.
        """
        secrets.check_tenant_path(tenant_id, name)
        with self._vault_errors("store", name):
            self._client.secrets.kv.v2.create_or_update_secret(
                path=tenant_path(tenant_id, name), secret={"value": value}, mount_point=self._mount
            )
        logger.info("stored secret %s for tenant %s in Vault (%s characters)", name, tenant_id, len(value))

    def _read(self, path: str, name: str) -> str:
        with self._vault_errors("read", name):
            # raise_on_deleted_version=True: a deleted latest version is missing, not an empty answer.
            response = self._client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self._mount, raise_on_deleted_version=True
            )
        data = (response.get("data") or {}).get("data") or {}
        value = data.get("value")
        if not isinstance(value, str):
            raise errors.SecretNotFound(f"secret {name!r} has no string field 'value' in Vault")
        return value

    @contextlib.contextmanager
    def _vault_errors(self, verb: str, name: str) -> Iterator[None]:
        # Messages name the secret and the kind of failure, never a value or Vault's response body.
        try:
            yield
        except hvac.exceptions.InvalidPath as err:
            raise errors.SecretNotFound(f"secret {name!r} is not set for this tenant") from err
        except _UNAVAILABLE as err:
            raise errors.SecretStoreUnavailable(
                f"Vault could not {verb} secret {name!r} ({type(err).__name__}); it may pass on retry"
            ) from err
        except hvac.exceptions.VaultError as err:
            raise errors.SecretStoreRefused(
                f"Vault refused to {verb} secret {name!r} ({type(err).__name__}): check the token and its policy"
            ) from err
        except OSError as err:  # requests' connection errors and timeouts derive from OSError
            raise errors.SecretStoreUnavailable(f"cannot reach Vault at {self._url} to {verb} secret {name!r}") from err
