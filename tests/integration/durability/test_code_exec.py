"""tools.code.exec: a sandboxed snippet whose __HIGHWAY_RESULT__ line becomes the task's result."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def test_marked_result_of_the_code_is_the_tasks_result(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run = tenant.wait_for_state(tenant.submit(load("code_exec"), {}).json()["data"]["workflow_run_id"])

    assert run["state"] == "completed", run
    assert run["context"]["computed"] == {"total": 12, "count": 3}
    assert run["context"]["report"]["stdout"] == "total 12\n"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("import socket\nsocket.create_connection(('127.0.0.1', 1))", "not allowed"),
        ("import os\nprint(os.environ['HWE_DATABASE_URL'])", "KeyError"),
        ("raise ValueError('bad input')", "ValueError: bad input"),
        ("while True:\n    pass", "longer than 1 seconds"),
    ],
)
def test_code_that_breaks_the_sandbox_fails_or_overruns_fails_the_task(
    tenant: Tenant, workers: WorkerPool, code: str, reason: str
) -> None:
    workers.start(tenant.queue)
    definition = load("code_exec")
    # Only the overrun case needs the short budget; on a loaded machine a fresh interpreter can take
    # a second to start, and the other cases must fail for their own reason, not the clock.
    timeout = 1 if "while True" in code else 20
    definition["tasks"]["compute"]["kwargs"] = {"code": code, "timeout": timeout}
    run = tenant.wait_for_state(tenant.submit(definition, {}).json()["data"]["workflow_run_id"], timeout=20)

    assert run["state"] == "failed"
    assert reason in run["error"]["message"]
