"""Runs DSL workflows end to end: a tenant with one worker, and a helper that submits and waits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import Tenant


@pytest.fixture(scope="module")
def runner(open_served_tenant: Callable[[str], Tenant]) -> Tenant:
    """A tenant whose queue is served by one worker, shared by the tests of a module."""
    return open_served_tenant(f"t{uuid.uuid4().hex[:12]}")


def finish(tenant: Tenant, definition: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Submits `definition` and returns the run once it completed or failed."""
    response = tenant.submit(definition, inputs or {})
    assert response.status_code == 201, response.text
    return tenant.wait_for_state(response.json()["data"]["workflow_run_id"], timeout=30)
