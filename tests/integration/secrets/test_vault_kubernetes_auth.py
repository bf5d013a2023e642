"""Vault's Kubernetes auth method: login with the projected token, renewal, re-login, and the start-up error.

Against a real OpenBao dev server whose kubernetes auth method calls a loopback TokenReview emulator
(conftest.py), so the whole login path runs: the JWT file, hvac's login, OpenBao's claim checks and its
TokenReview call. The token lifetimes are Vault's own, in real seconds: the short role lives 3 s (6 s max).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hvac
import hvac.exceptions
import pytest

from hwe import config, errors, metrics, secrets, vault
from tests.integration.conftest import free_port, wait_until
from tests.integration.secrets.conftest import BATCH_ROLE, ROLE, SHORT_ROLE, KubernetesVault

REPO = Path(__file__).resolve().parents[3]


def _provider(kv: KubernetesVault, role: str = ROLE, **kwargs: object) -> vault.VaultSecretProvider:
    login = vault.KubernetesLogin(role, "kubernetes", kv.token_file)
    return vault.VaultSecretProvider(kv.bao.addr, login=login, **kwargs)  # type: ignore[arg-type]


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def _counts() -> tuple[float, float, float]:
    """(successful logins, renewals, failed renewals and re-logins) so far in this process."""
    return (
        _sample("hwe_vault_logins_total", outcome="success"),
        _sample("hwe_vault_token_renewals_total"),
        _sample("hwe_vault_token_renewal_failures_total"),
    )


def _since(before: tuple[float, float, float]) -> tuple[float, float, float]:
    after = _counts()
    return (after[0] - before[0], after[1] - before[1], after[2] - before[2])


class FrozenClock:
    """A clock that moves only when told, so the provider believes its token is as fresh as the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def worker_token(kubernetes_vault: KubernetesVault) -> Path:
    """The token file holds the worker's JWT again whatever a test wrote into it."""
    kubernetes_vault.token_file.write_text(kubernetes_vault.worker_jwt)
    return kubernetes_vault.token_file


def _accessor_is_gone(root: hvac.Client, accessor: str) -> Callable[[], bool]:
    def gone() -> bool:
        try:
            root.auth.token.lookup_accessor(accessor)
        except (hvac.exceptions.Forbidden, hvac.exceptions.InvalidRequest):
            return True
        return False

    return gone


def _accessor(provider: vault.VaultSecretProvider) -> str:
    # The provider's token is private; its accessor (not a credential) identifies it to the root client.
    accessor: str = provider._client.auth.token.lookup_self()["data"]["accessor"]
    return accessor


# Login


def test_a_pod_bound_to_the_role_logs_in_with_its_projected_token_and_reads_engine_secrets(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    before = _counts()
    provider = secrets.open_secret_provider(
        config.Settings(
            env="production",
            secrets_provider="vault",
            vault_addr=kubernetes_vault.bao.addr,
            vault_auth_method="kubernetes",
            vault_role=ROLE,
            vault_token_path=worker_token,
        )
    )

    assert _since(before) == (1, 0, 0)  # production logs in while opening, before any read
    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"
    provider.set_tenant_secret("t1", "api_token", "stored-through-kubernetes-auth")
    assert provider.get_tenant_secret("t1", "api_token") == "stored-through-kubernetes-auth"
    assert _since(before) == (1, 0, 0)
    assert _sample("hwe_vault_token_ttl_seconds") == 3600


def test_a_jwt_the_cluster_never_issued_is_refused_with_a_message_naming_the_role_and_never_the_jwt(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    worker_token.write_text(kubernetes_vault.unknown_jwt)
    failures = _sample("hwe_vault_logins_total", outcome="failure")

    with pytest.raises(errors.SecretStoreRefused, match="refused the Kubernetes login of role 'highway'") as raised:
        _provider(kubernetes_vault).get(secrets.API_KEY_PEPPER)

    assert kubernetes_vault.unknown_jwt not in str(raised.value)
    assert _sample("hwe_vault_logins_total", outcome="failure") == failures + 1


def test_production_refuses_to_start_when_vault_refuses_the_login_and_says_what_to_check(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    worker_token.write_text(kubernetes_vault.unknown_jwt)
    settings = config.Settings(
        env="production",
        secrets_provider="vault",
        vault_addr=kubernetes_vault.bao.addr,
        vault_auth_method="kubernetes",
        vault_role=ROLE,
        vault_token_path=worker_token,
    )

    with pytest.raises(errors.ConfigError) as raised:
        secrets.open_secret_provider(settings)

    message = str(raised.value)
    assert f"cannot start with Vault at {kubernetes_vault.bao.addr}" in message
    assert "kubernetes auth, role 'highway' at auth mount 'kubernetes'" in message
    assert "bound to this pod's service account and namespace" in message and str(worker_token) in message
    assert kubernetes_vault.unknown_jwt not in message


def test_a_missing_token_file_is_refused_with_a_message_naming_the_file(
    kubernetes_vault: KubernetesVault, tmp_path: Path
) -> None:
    login = vault.KubernetesLogin(ROLE, "kubernetes", tmp_path / "absent")
    provider = vault.VaultSecretProvider(kubernetes_vault.bao.addr, login=login)

    expected = re.escape(f"cannot read the service-account token file {tmp_path}")
    with pytest.raises(errors.SecretStoreRefused, match=expected):
        provider.get(secrets.API_KEY_PEPPER)


# Keeping the token alive


def test_reads_spread_over_more_than_the_max_ttl_keep_working_by_renewing_and_logging_in_again(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    provider = _provider(kubernetes_vault, SHORT_ROLE)
    before = _counts()
    end = time.monotonic() + 7.0  # past the role's max TTL of 6 s
    reads = 0

    def read_until_the_end() -> bool:
        nonlocal reads
        assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"
        reads += 1
        return time.monotonic() > end

    wait_until(read_until_the_end, 15.0, "reads across the max TTL", interval=0.25)

    logins, renewals, failures = _since(before)
    assert reads > 20
    assert renewals >= 1  # renewed at 2 s, and again while within the max TTL
    assert logins >= 2  # the first login, then a new one once renewals were capped at the max TTL
    assert failures == 0


def test_a_token_that_expired_between_two_rare_reads_is_replaced_by_a_new_login(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    provider = _provider(kubernetes_vault, SHORT_ROLE)
    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"
    accessor = _accessor(provider)
    before = _counts()

    wait_until(_accessor_is_gone(kubernetes_vault.root(), accessor), 10.0, "Vault to expire the token", interval=0.2)

    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"
    assert _since(before) == (1, 0, 0)  # no renewal of a lapsed token: straight to a new login
    assert _accessor(provider) != accessor


def test_a_read_refused_because_vault_revoked_the_token_logs_in_again_and_succeeds(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    # A frozen clock: to the provider the token is fresh, so only Vault's 403 can reveal that it is gone.
    provider = _provider(kubernetes_vault, clock=FrozenClock())
    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"
    accessor = _accessor(provider)
    kubernetes_vault.root().auth.token.revoke_accessor(accessor)
    before = _counts()

    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"

    assert _since(before) == (1, 0, 0)
    assert _accessor(provider) != accessor


def test_a_login_that_fails_at_the_renewal_point_keeps_the_still_valid_token_and_is_counted(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    clock = FrozenClock()
    provider = _provider(kubernetes_vault, BATCH_ROLE, clock=clock)  # its tokens are not renewable
    provider.maintain()
    worker_token.write_text(kubernetes_vault.unknown_jwt)  # the next login will be refused
    clock.now += 3600 * vault.RENEW_AT_FRACTION + 1  # past the renewal point, not yet expired
    before = _counts()
    login_failures = _sample("hwe_vault_logins_total", outcome="failure")

    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"

    assert _since(before) == (0, 0, 1)  # no renewal of a batch token; the new login was refused
    assert _sample("hwe_vault_logins_total", outcome="failure") == login_failures + 1


def test_a_read_the_policy_refuses_is_not_retried_with_a_new_login(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    provider = _provider(kubernetes_vault, mount="not-in-the-policy")
    provider.maintain()  # logs in
    before = _counts()

    with pytest.raises(errors.SecretStoreRefused, match="check the token and its policy"):
        provider.get_tenant_secret("t1", "api_token")

    assert _since(before) == (0, 0, 0)


def test_each_login_reads_the_projected_token_file_again(kubernetes_vault: KubernetesVault, worker_token: Path) -> None:
    provider = _provider(kubernetes_vault, clock=FrozenClock())
    provider.maintain()
    # The kubelet rotates the file; here it rotates to a token the cluster does not know.
    worker_token.write_text(kubernetes_vault.unknown_jwt)
    kubernetes_vault.root().auth.token.revoke_accessor(_accessor(provider))

    with pytest.raises(errors.SecretStoreRefused, match="Kubernetes login of role"):
        provider.get(secrets.API_KEY_PEPPER)
    worker_token.write_text(kubernetes_vault.worker_jwt)
    assert provider.get(secrets.API_KEY_PEPPER) == "k8s-pepper"


# Settings and start-up


def test_the_vault_settings_come_from_the_environment() -> None:
    settings = config.load_settings(
        {
            "HWE_VAULT_AUTH_METHOD": "kubernetes",
            "HWE_VAULT_ROLE": "highway",
            "HWE_VAULT_AUTH_MOUNT": "k8s-prod",
            "HWE_VAULT_TOKEN_PATH": "/var/run/secrets/other/token",
        }
    )

    assert (settings.vault_auth_method, settings.vault_role, settings.vault_auth_mount) == (
        "kubernetes",
        "highway",
        "k8s-prod",
    )
    assert settings.vault_token_path == Path("/var/run/secrets/other/token")
    assert config.Settings().vault_token_path == Path("/var/run/secrets/vault/token")


def test_an_unknown_vault_auth_method_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(errors.ConfigError, match="must be 'token' or 'kubernetes', not 'approle'"):
        config.load_settings({"HWE_VAULT_AUTH_METHOD": "approle"})
    with pytest.raises(errors.ConfigError, match="must be 'token' or 'kubernetes', not 'approle'"):
        secrets.open_secret_provider(
            config.Settings(secrets_provider="vault", vault_addr="http://127.0.0.1:1", vault_auth_method="approle")
        )


def test_the_kubernetes_auth_method_needs_a_role() -> None:
    settings = config.Settings(
        secrets_provider="vault", vault_addr="http://127.0.0.1:1", vault_auth_method="kubernetes"
    )

    with pytest.raises(errors.ConfigError, match=r"needs an address and a role.*HWE_VAULT_ROLE"):
        secrets.open_secret_provider(settings)


def test_a_worker_in_production_exits_with_one_clear_line_when_vault_is_unreachable(
    kubernetes_vault: KubernetesVault, worker_token: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(worker_token.parent),
        "HWE_ENV": "production",
        "HWE_DATABASE_URL": f"postgresql://highway@127.0.0.1:{free_port()}/highway",
        "HWE_SECRETS_PROVIDER": "vault",
        "HWE_VAULT_ADDR": closed,
        "HWE_VAULT_AUTH_METHOD": "kubernetes",
        "HWE_VAULT_ROLE": ROLE,
        "HWE_VAULT_TOKEN_PATH": str(worker_token),
    }

    done = subprocess.run(
        [sys.executable, "-m", "services.worker"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode != 0
    assert f"worker: cannot start with Vault at {closed} (kubernetes auth, role 'highway'" in done.stderr
    assert "cannot reach Vault" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert kubernetes_vault.worker_jwt not in done.stderr + done.stdout
