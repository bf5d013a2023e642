"""`hwe diagnose ID`: the API's reason a run is (or is not) moving, as a panel or JSON."""

from __future__ import annotations

import json

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

UNKNOWN_RUN = "6f1c6f3a-0000-4000-8000-000000000000"


def test_diagnose_says_a_run_no_worker_serves_waits_for_a_worker(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = tenant.submit(load("three_shell_steps"), {"name": "d"}).json()["data"]["workflow_run_id"]

    done = hwe(tenant, "diagnose", run_id)
    as_json = json.loads(hwe(tenant, "diagnose", run_id, "--json").stdout)

    assert done.returncode == 0, done.stderr
    assert "is a worker serving this queue?" in done.stdout
    assert tenant.queue in done.stdout
    assert as_json["state"] == "pending"
    assert as_json["attempt"]["state"] == "pending"


def test_diagnose_of_an_unknown_run_exits_1_with_not_found(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "diagnose", UNKNOWN_RUN)

    assert done.returncode == 1
    assert "not_found" in done.stderr
