"""`hwe keys` and `hwe tenants`: API keys and tenants managed through the API."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant


def test_keys_create_prints_a_working_key_of_that_role(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "keys", "create", "--role", "viewer")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("hw_")
    assert "shown only this once" in done.stderr
    response = httpx.get(f"{tenant.api_url}/api/v1/workflows", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_keys_list_shows_prefixes_and_roles(tenant: Tenant, hwe: HweRunner) -> None:
    key = hwe(tenant, "keys", "create", "--role", "operator").stdout.strip()
    done = hwe(tenant, "keys", "list")
    assert done.returncode == 0, done.stderr
    assert key.split("_")[1] in done.stdout
    assert tenant.key.split("_")[1] in done.stdout
    assert "operator" in done.stdout
    assert key.split("_", 2)[2] not in done.stdout


def test_keys_revoke_makes_the_key_refused(tenant: Tenant, hwe: HweRunner) -> None:
    key = hwe(tenant, "keys", "create", "--role", "operator").stdout.strip()
    done = hwe(tenant, "keys", "revoke", key.split("_")[1])
    assert done.returncode == 0, done.stderr
    assert "revoked key" in done.stdout
    assert hwe(tenant, "list", key=key).returncode == 1


def test_keys_commands_need_an_admin_key(tenant: Tenant, hwe: HweRunner) -> None:
    assert tenant.new_key is not None
    done = hwe(tenant, "keys", "list", key=tenant.new_key("operator"))
    assert done.returncode == 1
    assert "forbidden" in done.stderr


def test_tenants_create_prints_the_new_tenants_admin_key(bootstrap_admin: Tenant, hwe: HweRunner) -> None:
    name = f"c{uuid.uuid4().hex[:10]}"
    done = hwe(bootstrap_admin, "tenants", "create", name)
    assert done.returncode == 0, done.stderr
    assert f"created tenant {name}" in done.stderr
    headers = {"Authorization": f"Bearer {done.stdout.strip()}"}
    keys = httpx.get(f"{bootstrap_admin.api_url}/api/v1/keys", headers=headers)
    assert keys.status_code == 200
    assert len(keys.json()["data"]["items"]) == 1


def test_cli_reads_the_dev_key_from_the_state_dir(tenant: Tenant, hwe: HweRunner, tmp_path: object) -> None:
    from pathlib import Path

    state = Path(str(tmp_path)) / "state"
    state.mkdir()
    (state / "dev-api-key").write_text(tenant.key + "\n")
    done = hwe(tenant, "keys", "list", key="")
    assert done.returncode == 0, done.stderr
    assert tenant.key.split("_")[1] in done.stdout
