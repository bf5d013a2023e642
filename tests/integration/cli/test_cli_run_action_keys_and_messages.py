"""`hwe retry/cancel/emit --idempotency-key`, `hwe emit` of a kept event, and the keys and tenants messages."""

from __future__ import annotations

import uuid

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _submit(tenant: Tenant, example: str, inputs: dict[str, str]) -> str:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def test_retry_twice_with_one_idempotency_key_prints_the_same_new_run(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant, "three_shell_steps", {"name": "r"})
    assert hwe(tenant, "cancel", run_id, "--idempotency-key", "c1").returncode == 0

    first = hwe(tenant, "retry", run_id, "--idempotency-key", "r1")
    again = hwe(tenant, "retry", run_id, "--idempotency-key", "r1")
    cancelled_again = hwe(tenant, "cancel", run_id, "--idempotency-key", "c1")

    assert first.returncode == again.returncode == cancelled_again.returncode == 0, again.stderr
    assert first.stdout.strip() == again.stdout.strip()
    assert f"run {run_id} is cancelled" in cancelled_again.stdout


def test_emit_twice_of_one_name_keeps_both_and_says_so(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant, "wait_twice_for_one_event", {"key": "c"})

    first = hwe(tenant, "emit", run_id, "signal_c", "--payload", '{"n": 1}')
    second = hwe(tenant, "emit", run_id, "signal_c", "--payload", '{"n": 2}')
    replayed = hwe(tenant, "emit", run_id, "signal_c", "--payload", '{"n": 2}', "--idempotency-key", "e")
    replayed_again = hwe(tenant, "emit", run_id, "signal_c", "--payload", '{"n": 2}', "--idempotency-key", "e")
    emitted = tenant.client.get(f"/api/v1/workflows/{run_id}/events").json()["data"]["emitted"]

    assert first.returncode == second.returncode == 0, second.stderr
    assert "kept for the next wait of that name" in second.stdout
    assert first.stdout.split("#")[1].split()[0] != second.stdout.split("#")[1].split()[0]
    assert replayed.stdout == replayed_again.stdout
    assert [event["payload"]["n"] for event in emitted] == [1, 2, 2]


def test_keys_create_names_the_role_with_the_right_article(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "keys", "create", "--name", "article", "--role", "operator")

    assert done.returncode == 0, done.stderr
    assert "created an operator key" in done.stderr


def test_tenants_create_of_an_existing_tenant_says_it_exists(bootstrap_admin: Tenant, hwe: HweRunner) -> None:
    name = f"c{uuid.uuid4().hex[:10]}"
    assert hwe(bootstrap_admin, "tenants", "create", name).returncode == 0

    done = hwe(bootstrap_admin, "tenants", "create", name)

    assert done.returncode == 1
    assert f"tenant_exists: tenant '{name}' already exists" in done.stderr
    assert "queue" not in done.stderr
