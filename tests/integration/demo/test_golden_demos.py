"""The golden demos, run in the `demo` tenant: each one's final state and context are the contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load

DEMO_TENANT = "demo"


@pytest.fixture(scope="module")
def demo(open_served_tenant: Callable[[str], Tenant]) -> Tenant:
    """The demo tenant (its own queue) with one worker, shared by the demos."""
    return open_served_tenant(DEMO_TENANT)


def _run(demo: Tenant, name: str, inputs: dict[str, Any]) -> str:
    response = demo.submit(load(f"demo.{name}"), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _ledger(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_order_saga_ships_a_paid_order(demo: Tenant, tmp_path: Path) -> None:
    run = demo.wait_for_state(_run(demo, "order_saga", {"order": "o1", "card": "visa", "dir": str(tmp_path)}))

    assert run["state"] == "completed", run
    assert run["context"]["shipment"]["stdout"] == "shipped"
    assert "compensation" not in run["context"]
    assert _ledger(tmp_path / "ledger.log") == ["reserve o1", "charge o1", "ship C-o1"]


def test_order_saga_compensates_a_declined_card_and_ships_nothing(demo: Tenant, tmp_path: Path) -> None:
    run = demo.wait_for_state(_run(demo, "order_saga", {"order": "o2", "card": "declined", "dir": str(tmp_path)}))

    assert run["state"] == "completed", run  # the failure is handled by its compensation
    assert run["context"]["compensation"]["stdout"] == "released"
    assert "shipment" not in run["context"]
    assert _ledger(tmp_path / "ledger.log") == ["reserve o2", "release R-o2"]


def test_fanout_pipeline_transforms_every_partition_then_summarises(demo: Tenant, tmp_path: Path) -> None:
    partitions = ["north", "south", "east", "west"]
    run = demo.wait_for_state(
        _run(demo, "fanout_pipeline", {"partitions": json.dumps(partitions), "dir": str(tmp_path)})
    )

    assert run["state"] == "completed", run
    assert sorted(p.read_text() for p in tmp_path.glob("*.out")) == sorted(p.upper() for p in partitions)
    assert run["context"]["summary"]["stdout"].strip() == "4"


def test_disaster_recovery_drill_fails_over_after_a_human_approves(demo: Tenant, tmp_path: Path) -> None:
    run_id = _run(demo, "disaster_recovery_drill", {"cluster": "pg-a", "replica_state": "ok", "dir": str(tmp_path)})
    demo.wait_for_state(run_id, ("waiting",), timeout=20)

    approved = demo.client.post(f"/api/v1/approvals/{run_id}:approve_failover/approve", json={"approver": "sre"})
    run = demo.wait_for_state(run_id)

    assert approved.status_code == 200, approved.text
    assert run["state"] == "completed", run
    assert run["context"]["failover"]["stdout"] == "promoted"
    assert "page" not in run["context"]
    assert _ledger(tmp_path / "drill.log") == ["snapshot", "failover by sre"]


def test_disaster_recovery_drill_pages_oncall_when_the_replica_lags(demo: Tenant, tmp_path: Path) -> None:
    run = demo.wait_for_state(
        _run(demo, "disaster_recovery_drill", {"cluster": "pg-b", "replica_state": "lagging", "dir": str(tmp_path)})
    )

    assert run["state"] == "completed", run
    assert "failover" not in run["context"]
    assert _ledger(tmp_path / "drill.log") == ["snapshot", "page oncall"]
