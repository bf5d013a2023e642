"""Runs DSL workflows end to end: a tenant with one worker, and a helper that submits and waits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hwe import db, tenants
from tests.integration.conftest import Tenant, WorkerPool


@pytest.fixture(scope="module")
def runner(
    api_url: str,
    database_url: str,
    secrets_file: Path,
    service_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tenant]:
    """A tenant whose queue is served by one worker, shared by the tests of a module.

    Each test submits runs of its own; sharing the worker spares the suite a process start per test.
    """
    name = f"t{uuid.uuid4().hex[:12]}"
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]
    with db.connect(database_url) as conn:
        tenants.create_tenant(conn, name, queue_name=name)
        key = tenants.create_api_key(conn, name, "admin", pepper)
    pool = WorkerPool(service_env, tmp_path_factory.mktemp("dsl_workers"))
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        try:
            pool.start(name)
            yield Tenant(name, name, key, client, api_url)
        finally:
            pool.stop_all()


def finish(tenant: Tenant, definition: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Submits `definition` and returns the run once it completed or failed."""
    response = tenant.submit(definition, inputs or {})
    assert response.status_code == 201, response.text
    return tenant.wait_for_state(response.json()["data"]["workflow_run_id"], timeout=30)
