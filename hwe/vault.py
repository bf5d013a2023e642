"""The Vault secret provider (hvac, KV version 2): engine and tenant secrets in production.

Opened by `secrets.open_secret_provider` (through `open_provider`) when `[secrets] provider = vault`. It
authenticates with a static token (`[vault] auth_method = token`) or with Vault's Kubernetes auth method, by
presenting the pod's projected service-account token (`kubernetes`); it keeps such a login alive without a
thread of its own: each call first renews the token once it is past 2/3 of its TTL, or logs in again when
renewal fails, is refused or reaches the max TTL (`maintain` does the same for a caller with a timer).
Each secret is one KV v2 secret whose single field `value` holds it: engine secrets at
`highway/engine/<name>`, a tenant's at `highway/tenants/<tenant_id>/<name>`, under the mount
`[vault] mount` (default `secret`). It neither creates mounts nor manages policies or roles. Works with
HashiCorp Vault and OpenBao (the tests run against an OpenBao dev server).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import hvac
import hvac.exceptions

from hwe import config, errors, metrics, secrets

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TIMEOUT_SECONDS = 10.0
# Renewing at 2/3 of the TTL leaves a third of it for a slow or retried renewal before the token lapses.
RENEW_AT_FRACTION = 2 / 3
_UNAVAILABLE = (
    hvac.exceptions.VaultDown,
    hvac.exceptions.InternalServerError,
    hvac.exceptions.BadGateway,
    hvac.exceptions.RateLimitExceeded,
    hvac.exceptions.VaultNotInitialized,
)


@dataclasses.dataclass(frozen=True)
class KubernetesLogin:
    """A login with Vault's Kubernetes auth method: the role, the method's mount and the JWT file it presents."""

    role: str
    mount: str = "kubernetes"
    token_path: Path = Path("/var/run/secrets/vault/token")


def engine_path(name: str) -> str:
    """The KV v2 path (under the mount) of an engine secret."""
    return f"highway/engine/{name}"


def tenant_path(tenant_id: str, name: str) -> str:
    """The KV v2 path (under the mount) of a tenant's secret."""
    return f"highway/tenants/{tenant_id}/{name}"


def open_provider(settings: config.Settings) -> VaultSecretProvider:
    """Returns the provider the `[vault]` settings describe; in production it has proved Vault accepts it.

    Raises:
        ConfigError: a setting is missing or invalid; in production also Vault unreachable or refusing the
            login or token (the message names the address, the method and the role, never a credential).
    """
    method = settings.vault_auth_method
    if method == "kubernetes":
        if not settings.vault_addr or not settings.vault_role:
            raise errors.ConfigError(
                "Vault's kubernetes auth method needs an address and a role: set [vault] addr and [vault] role, "
                "or HWE_VAULT_ADDR and HWE_VAULT_ROLE"
            )
        login = KubernetesLogin(settings.vault_role, settings.vault_auth_mount, settings.vault_token_path)
        provider = VaultSecretProvider(settings.vault_addr, mount=settings.vault_mount, login=login)
    elif method == "token":
        if not settings.vault_addr or not settings.vault_token:
            raise errors.ConfigError(
                "the Vault secret provider needs an address and a token: set [vault] addr and [vault] token, "
                "or HWE_VAULT_ADDR and HWE_VAULT_TOKEN"
            )
        provider = VaultSecretProvider(settings.vault_addr, settings.vault_token, settings.vault_mount)
    else:
        raise errors.ConfigError(config.unknown_vault_auth_method(method))
    if settings.is_production:
        provider.verify()
    return provider


def _read_jwt(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as err:
        raise errors.SecretStoreRefused(
            f"cannot read the service-account token file {path} ({type(err).__name__}): mount a projected "
            "token with audience 'vault' there, or set [vault] token_path / HWE_VAULT_TOKEN_PATH"
        ) from err


class VaultSecretProvider:
    """Secrets in a Vault KV v2 mount, read and written through hvac (blocking HTTP calls; thread-safe)."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        mount: str = "secret",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        *,
        login: KubernetesLogin | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (token is None) == (login is None):
            raise ValueError("give the Vault provider either a token or a Kubernetes login")
        self._url = url
        self._mount = mount
        self._login_with = login
        self._clock = clock
        # The address and a token ("" until the first login) are always passed, so hvac never falls back to
        # VAULT_* or ~/.vault-token.
        self._client = hvac.Client(url=url, token=token or "", timeout=timeout)
        # Held while the token changes, so concurrent calls past the renewal point renew or log in once.
        self._lock = threading.Lock()
        self._logins = 0  # counts this provider's logins: a caller that saw a refusal knows if one happened since
        self._ttl = 0.0
        self._renewable = False
        # A static token is never renewed here; a Kubernetes login happens at the first call.
        self._renew_at = self._expires_at = math.inf if login is None else -math.inf

    def get(self, name: str) -> str:
        """Returns the engine secret's value.

        Raises:
            ConfigError: Vault has no such engine secret.
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the read or login, or could not be reached.
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
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the read or login, or could not be reached.
        """
        secrets.check_tenant_path(tenant_id, name)
        return self._read(tenant_path(tenant_id, name), name)

    def set_tenant_secret(self, tenant_id: str, name: str, value: str) -> None:
        """Stores the tenant's secret as a new version of its KV v2 secret.

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the write or login, or could not be reached.
        """
        secrets.check_tenant_path(tenant_id, name)
        with self._vault_errors("store", name):
            self._authenticated(
                lambda: self._client.secrets.kv.v2.create_or_update_secret(
                    path=tenant_path(tenant_id, name), secret={"value": value}, mount_point=self._mount
                )
            )
        logger.info("stored secret %s for tenant %s in Vault (%s characters)", name, tenant_id, len(value))

    def delete_tenant_secret(self, tenant_id: str, name: str) -> None:
        """Deletes the tenant's KV v2 secret with its metadata and every version (an absent one is no error).

        Raises:
            ValueError: the tenant id or the name is not a valid path segment.
            SecretStoreRefused, SecretStoreUnavailable: Vault refused the delete or login, or could not be reached.
        """
        secrets.check_tenant_path(tenant_id, name)
        try:
            with self._vault_errors("delete", name):
                self._authenticated(
                    lambda: self._client.secrets.kv.v2.delete_metadata_and_all_versions(
                        path=tenant_path(tenant_id, name), mount_point=self._mount
                    )
                )
        except errors.SecretNotFound:
            return
        logger.info("deleted secret %s for tenant %s in Vault", name, tenant_id)

    def verify(self) -> None:
        """Proves that Vault answers and accepts this provider's credentials: logs in, or looks the token up.

        Raises:
            ConfigError: Vault is unreachable or refuses; the message says what to check.
        """
        try:
            if self._login_with is not None:
                with self._lock:
                    self._login(replacing=False)
            else:
                self._client.auth.token.lookup_self()
        except (errors.SecretStoreRefused, errors.SecretStoreUnavailable) as err:
            failure = str(err)
        except hvac.exceptions.VaultError as err:
            failure = f"Vault refused the token ({type(err).__name__})"
        except OSError:  # requests' connection errors and timeouts derive from OSError
            failure = "Vault cannot be reached"
        else:
            return
        raise errors.ConfigError(f"cannot start with Vault at {self._url} ({self._describe()}): {failure}")

    def maintain(self) -> None:
        """Renews the token, or logs in again, when it is past its renewal point; for callers with a timer.

        Raises:
            SecretStoreRefused, SecretStoreUnavailable: the login that had to replace the token failed.
        """
        self._keep_token_alive()

    def _read(self, path: str, name: str) -> str:
        with self._vault_errors("read", name):
            # raise_on_deleted_version=True: a deleted latest version is missing, not an empty answer.
            response = self._authenticated(
                lambda: self._client.secrets.kv.v2.read_secret_version(
                    path=path, mount_point=self._mount, raise_on_deleted_version=True
                )
            )
        data = (response.get("data") or {}).get("data") or {}
        value = data.get("value")
        if not isinstance(value, str):
            raise errors.SecretNotFound(f"secret {name!r} has no string field 'value' in Vault")
        return value

    def _authenticated(self, call: Callable[[], T]) -> T:
        """Runs `call` with a live token; a refusal of a token Vault no longer knows logs in once and retries."""
        self._keep_token_alive()
        logins = self._logins
        try:
            return call()
        except hvac.exceptions.Forbidden:
            if self._login_with is None or self._token_is_valid():
                raise  # a static token, or the policy refuses: a new login would not change the answer
            with self._lock:
                if self._logins == logins:  # no other call has replaced the token since ours was refused
                    logger.warning("Vault no longer accepts this process's token; logging in again")
                    self._login(replacing=True)
        return call()

    def _token_is_valid(self) -> bool:
        try:
            self._client.auth.token.lookup_self()
        except hvac.exceptions.Forbidden:
            return False
        return True

    def _keep_token_alive(self) -> None:
        if self._clock() < self._renew_at:  # the common case takes no lock
            return
        with self._lock:
            now = self._clock()
            if now < self._renew_at:
                return
            if self._renewable and now < self._expires_at and self._renewed(now):
                return
            try:
                self._login(replacing=self._logins > 0)
            except (errors.SecretStoreRefused, errors.SecretStoreUnavailable):
                if now >= self._expires_at:
                    raise
                # The current token still works for a while: use it, and try again at the next call.
                logger.warning("keeping the current Vault token for its last %.0f s", self._expires_at - now)

    def _renewed(self, now: float) -> bool:
        try:
            auth = self._client.auth.token.renew_self()["auth"]
        except (hvac.exceptions.VaultError, OSError) as err:
            metrics.VAULT_TOKEN_RENEWAL_FAILURES.inc()
            logger.warning("Vault token renewal failed (%s); logging in again", type(err).__name__)
            return False
        ttl, full_ttl = float(auth.get("lease_duration") or 0), self._ttl
        self._record(auth, now)
        if ttl < full_ttl:
            # Vault capped the renewal at the role's max TTL: only a new login gives a full TTL again.
            logger.info("Vault token renewed for %s s only (its max TTL); logging in again", ttl)
            return False
        metrics.VAULT_TOKEN_RENEWALS.inc()
        logger.info("renewed the Vault token (TTL %s s)", ttl)
        return True

    def _login(self, *, replacing: bool) -> None:
        """Logs in with the current projected token (it rotates, so it is read again each time)."""
        login = self._login_with
        if login is None:
            raise ValueError("a provider with a static token cannot log in")
        now, previous = self._clock(), self._client.token
        try:
            jwt = _read_jwt(login.token_path)
            # An expired token must not ride along in the header of the login request.
            self._client.token = ""
            with self._login_errors(login):
                response = self._client.auth.kubernetes.login(login.role, jwt, mount_point=login.mount)
        except (errors.SecretStoreRefused, errors.SecretStoreUnavailable):
            self._client.token = previous  # it may still be valid for a while
            metrics.VAULT_LOGINS.labels("failure").inc()
            if replacing:
                metrics.VAULT_TOKEN_RENEWAL_FAILURES.inc()
            raise
        self._logins += 1
        self._record(response["auth"], now)
        metrics.VAULT_LOGINS.labels("success").inc()
        logger.info(
            "logged in to Vault with role %s at auth mount %s (a JWT of %s characters; TTL %s s, renewable %s)",
            login.role,
            login.mount,
            len(jwt),
            self._ttl,
            self._renewable,
        )

    def _record(self, auth: dict[str, Any], now: float) -> None:
        self._ttl = float(auth.get("lease_duration") or 0)
        self._renewable = bool(auth.get("renewable"))
        # A TTL of 0 is a token that never expires (Vault's root-like tokens): nothing to renew.
        self._expires_at = now + self._ttl if self._ttl else math.inf
        self._renew_at = now + self._ttl * RENEW_AT_FRACTION if self._ttl else math.inf
        metrics.VAULT_TOKEN_TTL.set(self._ttl)

    def _describe(self) -> str:
        login = self._login_with
        if login is None:
            return "token auth: check [vault] token / HWE_VAULT_TOKEN and its policy"
        return (
            f"kubernetes auth, role {login.role!r} at auth mount {login.mount!r}: check [vault] addr, that the role "
            "is bound to this pod's service account and namespace, and the projected token at "
            f"{login.token_path}"
        )

    @contextlib.contextmanager
    def _login_errors(self, login: KubernetesLogin) -> Iterator[None]:
        # Messages name the role and the kind of failure, never the JWT, the token or Vault's response body.
        try:
            yield
        except _UNAVAILABLE as err:
            raise errors.SecretStoreUnavailable(
                f"Vault could not log in role {login.role!r} ({type(err).__name__}); it may pass on retry"
            ) from err
        except hvac.exceptions.VaultError as err:
            raise errors.SecretStoreRefused(
                f"Vault refused the Kubernetes login of role {login.role!r} at auth mount {login.mount!r} "
                f"({type(err).__name__}): check the role's bound service account, namespace and audience"
            ) from err
        except OSError as err:  # requests' connection errors and timeouts derive from OSError
            raise errors.SecretStoreUnavailable(
                f"cannot reach Vault at {self._url} to log in role {login.role!r}"
            ) from err

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
