"""Templates: every template the API serves runs to completion with its example inputs."""

from __future__ import annotations

import pytest

from hwe import templates
from tests.integration.conftest import Tenant, WorkerPool

NAMES = [template["name"] for template in templates.list_templates()]


@pytest.mark.parametrize("name", NAMES)
def test_every_served_template_completes_with_its_example_inputs(
    tenant: Tenant, workers: WorkerPool, name: str
) -> None:
    workers.start(tenant.queue)
    template = tenant.client.get(f"/api/v1/dsl_templates/{name}").json()["data"]

    response = tenant.submit(template["workflow_definition"], template["inputs"])
    run = tenant.wait_for_state(response.json()["data"]["workflow_run_id"], timeout=30)

    assert run["state"] == "completed", run


def test_templates_are_listed_without_their_definitions_and_unknown_ones_are_404(tenant: Tenant) -> None:
    items = tenant.client.get("/api/v1/dsl_templates").json()["data"]["items"]
    assert [item["name"] for item in items] == sorted(NAMES)
    assert all(set(item) == {"name", "description", "inputs"} for item in items)
    assert tenant.client.get("/api/v1/dsl_templates/nope").status_code == 404
    assert tenant.client.get("/api/v1/dsl_templates/..%2Fsecrets").status_code == 404
