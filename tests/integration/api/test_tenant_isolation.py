"""No tenant-scoped resource of one tenant is visible or changeable by another tenant's keys."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


@pytest.fixture
def owner_and_stranger(make_tenant: Callable[[], Tenant]) -> tuple[Tenant, Tenant, str]:
    owner, stranger = make_tenant(), make_tenant()
    run_id = owner.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    return owner, stranger, run_id


def test_another_tenants_run_is_404(owner_and_stranger: tuple[Tenant, Tenant, str]) -> None:
    _owner, stranger, run_id = owner_and_stranger
    response = stranger.client.get(f"/api/v1/workflows/{run_id}")
    assert response.status_code == 404


def test_run_list_shows_only_the_callers_runs(owner_and_stranger: tuple[Tenant, Tenant, str]) -> None:
    owner, stranger, run_id = owner_and_stranger
    mine = stranger.submit(load("three_shell_steps"), {"name": "y"}).json()["data"]["workflow_run_id"]
    assert [i["workflow_run_id"] for i in stranger.client.get("/api/v1/workflows").json()["data"]["items"]] == [mine]
    assert [i["workflow_run_id"] for i in owner.client.get("/api/v1/workflows").json()["data"]["items"]] == [run_id]


def test_run_list_filters_cannot_reach_another_tenants_runs(owner_and_stranger: tuple[Tenant, Tenant, str]) -> None:
    _owner, stranger, _run_id = owner_and_stranger
    response = stranger.client.get("/api/v1/workflows", params={"name": "three_shell_steps", "state": "pending"})
    assert response.json()["data"]["items"] == []


def test_key_list_shows_only_the_callers_keys(owner_and_stranger: tuple[Tenant, Tenant, str]) -> None:
    owner, stranger, _run_id = owner_and_stranger
    items = stranger.client.get("/api/v1/admin/api-keys").json()["data"]["api_keys"]
    assert [item["key_prefix"] for item in items] == ["hw_" + stranger.key.split("_")[1]]
    assert owner.key.split("_")[1] not in str(items)


def test_revoking_another_tenants_key_is_404_and_the_key_keeps_working(
    owner_and_stranger: tuple[Tenant, Tenant, str],
) -> None:
    owner, stranger, _run_id = owner_and_stranger
    [owner_key] = owner.client.get("/api/v1/admin/api-keys").json()["data"]["api_keys"]
    response = stranger.client.delete(f"/api/v1/admin/api-keys/{owner_key['api_key_id']}")
    assert response.status_code == 404
    assert owner.client.get("/api/v1/workflows").status_code == 200


def test_a_key_created_by_an_admin_belongs_to_the_admins_tenant(
    owner_and_stranger: tuple[Tenant, Tenant, str],
) -> None:
    owner, stranger, run_id = owner_and_stranger
    body = {"name": "second admin", "role": "admin"}
    key = stranger.client.post("/api/v1/admin/api-keys", json=body).json()["data"]["api_key"]
    response = stranger.client.get(f"/api/v1/workflows/{run_id}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 404
    assert owner.client.get(f"/api/v1/workflows/{run_id}").status_code == 200
