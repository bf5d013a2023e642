"""`hwe keys` and `hwe tenants`: API keys and tenants managed through the API."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant


def test_keys_create_prints_a_working_key_of_that_role(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "keys", "create", "--name", "ci", "--role", "viewer")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("hw_")
    assert "shown only this once" in done.stderr
    response = httpx.get(f"{tenant.api_url}/api/v1/workflows", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_keys_create_with_a_taken_name_says_so(tenant: Tenant, hwe: HweRunner) -> None:
    assert hwe(tenant, "keys", "create", "--name", "deploy", "--role", "viewer").returncode == 0
    done = hwe(tenant, "keys", "create", "--name", "deploy", "--role", "operator")
    assert done.returncode == 1
    assert "name_taken" in done.stderr


def test_keys_list_shows_ids_names_prefixes_and_roles(tenant: Tenant, hwe: HweRunner) -> None:
    key = hwe(tenant, "keys", "create", "--name", "listed", "--role", "operator").stdout.strip()
    done = hwe(tenant, "keys", "list")
    assert done.returncode == 0, done.stderr
    assert key.split("_")[1] in done.stdout
    assert tenant.key.split("_")[1] in done.stdout
    assert "operator" in done.stdout and "listed" in done.stdout and "active" in done.stdout
    assert key.split("_", 2)[2] not in done.stdout


def test_keys_revoke_by_prefix_or_id_makes_the_key_refused(tenant: Tenant, hwe: HweRunner) -> None:
    by_prefix = hwe(tenant, "keys", "create", "--name", "p", "--role", "operator").stdout.strip()
    by_id = hwe(tenant, "keys", "create", "--name", "i", "--role", "operator")
    key_id = by_id.stderr.split(" key ")[1].split(";")[0]
    for reference in (by_prefix.split("_")[1], key_id):
        done = hwe(tenant, "keys", "revoke", reference)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("revoked key ")
    assert hwe(tenant, "list", key=by_prefix).returncode == 1
    assert hwe(tenant, "list", key=by_id.stdout.strip()).returncode == 1
    again = hwe(tenant, "keys", "revoke", key_id)
    assert again.returncode == 1 and "already_revoked" in again.stderr
    unknown = hwe(tenant, "keys", "revoke", "hw_ffffffffffff")
    assert unknown.returncode == 1 and "no API key" in unknown.stderr


def test_keys_rotate_prints_a_new_key_and_the_old_one_is_refused(tenant: Tenant, hwe: HweRunner) -> None:
    old = hwe(tenant, "keys", "create", "--name", "rotated", "--role", "operator").stdout.strip()
    done = hwe(tenant, "keys", "rotate", f"hw_{old.split('_')[1]}")
    assert done.returncode == 0, done.stderr
    new = done.stdout.strip()
    assert new.startswith("hw_") and new != old
    assert hwe(tenant, "list", key=old).returncode == 1
    assert hwe(tenant, "list", key=new).returncode == 0


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
    keys = httpx.get(f"{bootstrap_admin.api_url}/api/v1/admin/api-keys", headers=headers)
    assert keys.status_code == 200
    assert len(keys.json()["data"]["api_keys"]) == 1


def test_cli_reads_the_dev_key_from_the_state_dir(tenant: Tenant, hwe: HweRunner, tmp_path: object) -> None:
    from pathlib import Path

    state = Path(str(tmp_path)) / "state"
    state.mkdir()
    (state / "dev-api-key").write_text(tenant.key + "\n")
    done = hwe(tenant, "keys", "list", key="")
    assert done.returncode == 0, done.stderr
    assert tenant.key.split("_")[1] in done.stdout
