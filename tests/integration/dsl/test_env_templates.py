"""`{{ENV.NAME}}` reads the worker's environment, but only the names the operator allow-listed."""

from __future__ import annotations

from tests.integration.conftest import Tenant, WorkerPool
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def test_an_allow_listed_variable_resolves_and_any_other_fails_the_task(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(
        tenant.queue,
        HWE_TEMPLATE_ENV="HWE_TEST_REGION, HWE_TEST_ZONE",
        HWE_TEST_REGION="eu-west-1",
        HWE_TEST_HIDDEN="do-not-read",
    )
    assert finish(tenant, load("env_template"))["context"]["where"]["stdout"] == "region=eu-west-1\n"

    hidden = load("env_template")
    hidden["tasks"]["where"]["args"] = ["echo {{ENV.HWE_TEST_HIDDEN}}"]
    run = finish(tenant, hidden)

    assert run["state"] == "failed"
    assert "HWE_TEST_HIDDEN" in run["error"]["message"]
    assert "do-not-read" not in str(run)
