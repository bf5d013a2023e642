"""`hwe webhooks`: subscriptions created, read, re-keyed and deleted; deliveries listed and requeued."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.cli.conftest import HweRunner, TerminalRunner
from tests.integration.conftest import Tenant, wait_until
from tests.workflow_examples import load

# Never contacted: no audit service runs in these tests, so deliveries stay pending.
URL = "http://127.0.0.1:9/hooks"


def _create(tenant: Tenant, hwe: HweRunner, *options: str) -> dict[str, Any]:
    done = hwe(tenant, "webhooks", "create", URL, "--event-type", "run.cancelled", *options, "--json")
    assert done.returncode == 0, done.stderr
    created: dict[str, Any] = json.loads(done.stdout)
    return created


def test_create_prints_the_signing_secret_once_and_list_never_shows_it(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "webhooks", "create", URL, "--event-type", "run.failed", "--event-type", "run.cancelled")
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip()

    listed = hwe(tenant, "webhooks", "list")
    shown = hwe(
        tenant, "webhooks", "get", json.loads(hwe(tenant, "webhooks", "list", "--json").stdout)[0]["webhook_id"]
    )

    assert secret.startswith("whsec_")
    assert "shown only this once" in done.stderr
    assert URL in listed.stdout
    assert "run.cancelled,run.failed" in listed.stdout
    assert secret not in listed.stdout + shown.stdout
    assert URL in shown.stdout


def test_the_same_idempotency_key_answers_the_same_webhook(tenant: Tenant, hwe: HweRunner) -> None:
    first = _create(tenant, hwe, "--idempotency-key", "hook-1")
    again = _create(tenant, hwe, "--idempotency-key", "hook-1")

    assert again["webhook_id"] == first["webhook_id"]
    assert len(json.loads(hwe(tenant, "webhooks", "list", "--json").stdout)) == 1


def test_rotate_secret_prints_a_new_secret(tenant: Tenant, hwe: HweRunner) -> None:
    created = _create(tenant, hwe)

    done = hwe(tenant, "webhooks", "rotate-secret", created["webhook_id"])

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("whsec_")
    assert done.stdout.strip() != created["secret"]


def test_deliveries_lists_an_event_and_retry_delivery_requeues_it(tenant: Tenant, hwe: HweRunner) -> None:
    webhook_id = _create(tenant, hwe)["webhook_id"]
    run_id = tenant.submit(load("three_shell_steps"), {"name": "w"}).json()["data"]["workflow_run_id"]
    assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200

    def listed() -> list[dict[str, Any]]:
        return list(json.loads(hwe(tenant, "webhooks", "deliveries", webhook_id, "--json").stdout))

    delivery = wait_until(listed, 10, "the run.cancelled delivery")[0]
    table = hwe(tenant, "webhooks", "deliveries", webhook_id, "--state", "pending")
    requeued = hwe(tenant, "webhooks", "retry-delivery", webhook_id, delivery["delivery_id"])

    assert delivery["event_type"] == "run.cancelled"
    assert delivery["workflow_run_id"] == run_id
    assert delivery["delivery_id"] in table.stdout
    assert requeued.returncode == 0, requeued.stderr
    assert f"requeued delivery {delivery['delivery_id']}: pending" in requeued.stdout


@pytest.mark.parametrize("columns", [80, 200])
def test_the_deliveries_table_fits_the_terminal_and_keeps_ids_whole(
    tenant: Tenant, hwe: HweRunner, hwe_tty: TerminalRunner, columns: int
) -> None:
    webhook_id = _create(tenant, hwe)["webhook_id"]
    run_id = tenant.submit(load("three_shell_steps"), {"name": "w"}).json()["data"]["workflow_run_id"]
    tenant.client.post(f"/api/v1/workflows/{run_id}/cancel")
    wait_until(lambda: json.loads(hwe(tenant, "webhooks", "deliveries", webhook_id, "--json").stdout), 10, "one")

    status, shown = hwe_tty(tenant, "webhooks", "deliveries", webhook_id, columns=columns)

    lines = shown.splitlines()
    assert status == 0, shown
    assert max(len(line) for line in lines) <= columns
    # Ids are what the next command takes, so a narrow terminal drops columns rather than cutting them.
    assert any(len(word) == 36 for line in lines for word in line.replace("│", " ").split())
    assert ("Next attempt" in shown) is (columns == 200)  # the lowest priority goes first


def test_a_deleted_webhook_is_not_found_afterwards(tenant: Tenant, hwe: HweRunner) -> None:
    webhook_id = _create(tenant, hwe)["webhook_id"]

    deleted = hwe(tenant, "webhooks", "delete", webhook_id)
    again = hwe(tenant, "webhooks", "get", webhook_id)

    assert deleted.returncode == 0, deleted.stderr
    assert f"deleted webhook {webhook_id}" in deleted.stdout
    assert again.returncode == 1
    assert "not_found" in again.stderr
