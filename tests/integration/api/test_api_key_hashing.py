"""How API keys are stored and checked: a keyed hash (HMAC-SHA256 under the pepper) for every new key, and a
key of an earlier release (argon2id) still accepted, then rewritten in the keyed form on its first use."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path

import argon2
import httpx
import pytest

from hwe import db
from tests.integration.conftest import Tenant


@pytest.fixture
def pepper(secrets_file: Path) -> str:
    """The API-key pepper the API process was started with."""
    value: str = json.loads(secrets_file.read_text())["api_key_pepper"]
    return value


def _stored_hash(database_url: str, key: str) -> str:
    with db.connect(database_url) as conn:
        rows = db.execute(conn, "find_api_key", {"prefix": key.split("_")[1]})
    stored: str = rows[0]["key_hash"]
    return stored


def _status(tenant: Tenant, key: str) -> int:
    return httpx.get(f"{tenant.api_url}/api/v1/workflows", headers={"Authorization": f"Bearer {key}"}).status_code


def _hmac_form(pepper: str, key: str) -> str:
    return "hmac-sha256:" + hmac.new(pepper.encode(), key.split("_", 2)[2].encode(), hashlib.sha256).hexdigest()


def _legacy_key(database_url: str, tenant: Tenant, pepper: str) -> str:
    """A key stored as releases before the keyed hash stored it: argon2id of the pepper and the secret."""
    secret = secrets.token_urlsafe(24)
    legacy_hash = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(pepper + secret)
    params = {"tenant_id": tenant.tenant_id, "prefix": secrets.token_hex(6), "key_hash": legacy_hash, "role": "viewer"}
    with db.connect(database_url) as conn:
        row = db.execute(conn, "insert_api_key", params)[0]
    return f"hw_{row['prefix']}_{secret}"


def _with_wrong_secret(key: str) -> str:
    prefix = key.split("_")[1]
    return f"hw_{prefix}_{secrets.token_urlsafe(24)}"


def test_a_key_created_through_the_api_is_stored_as_its_keyed_hash_and_authenticates(
    tenant: Tenant, database_url: str, pepper: str
) -> None:
    body = {"name": "hashed", "role": "viewer"}
    key = tenant.client.post("/api/v1/admin/api-keys", json=body).json()["data"]["api_key"]
    assert _status(tenant, key) == 200
    assert _stored_hash(database_url, key) == _hmac_form(pepper, key)


def test_a_key_created_by_the_cli_path_is_stored_as_its_keyed_hash(
    tenant: Tenant, database_url: str, pepper: str
) -> None:
    assert _stored_hash(database_url, tenant.key) == _hmac_form(pepper, tenant.key)
    assert _status(tenant, tenant.key) == 200


def test_a_legacy_argon2_key_still_authenticates_and_is_rewritten_as_its_keyed_hash(
    tenant: Tenant, database_url: str, pepper: str
) -> None:
    key = _legacy_key(database_url, tenant, pepper)
    assert _stored_hash(database_url, key).startswith("$argon2id$")
    assert _status(tenant, key) == 200
    assert _stored_hash(database_url, key) == _hmac_form(pepper, key)
    assert _status(tenant, key) == 200


def test_a_wrong_secret_for_a_keyed_hash_key_is_refused(tenant: Tenant) -> None:
    response = httpx.get(
        f"{tenant.api_url}/api/v1/workflows", headers={"Authorization": f"Bearer {_with_wrong_secret(tenant.key)}"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_wrong_secret_for_a_legacy_key_is_refused_and_leaves_its_hash_alone(
    tenant: Tenant, database_url: str, pepper: str
) -> None:
    key = _legacy_key(database_url, tenant, pepper)
    legacy_hash = _stored_hash(database_url, key)
    assert _status(tenant, _with_wrong_secret(key)) == 401
    assert _stored_hash(database_url, key) == legacy_hash
    assert _status(tenant, key) == 200


def test_a_legacy_key_under_another_pepper_is_refused(tenant: Tenant, database_url: str, pepper: str) -> None:
    key = _legacy_key(database_url, tenant, pepper + "x")
    assert _status(tenant, key) == 401
    assert _stored_hash(database_url, key).startswith("$argon2id$")
