"""Webhook deliveries end to end: signed, ordered, retried, dead-lettered, requeued, never lost, never unsafe.

A real receiver on loopback verifies every signature with the standardwebhooks library; the runs are real runs
of the real API and workers, and the audit service is a real process.
"""

from __future__ import annotations

import json
import uuid

from tests.integration.conftest import ServicePool, Tenant, kill_hard, wait_until
from tests.integration.webhooks.conftest import Receiver, deliveries, subscribe
from tests.workflow_examples import load

PLANTED = "planted-secret-5e1b"


def _run(tenant: Tenant, example: str = "three_shell_steps", **inputs: str) -> str:
    response = tenant.submit(load(example), {"name": PLANTED, **inputs})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id)
    return run_id


def test_completed_run_is_announced_signed_in_order_and_without_values(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url, ["run.started", "run.completed"])
    receiver.secrets.append(webhook["secret"])
    audit.start()

    run_id = _run(running_tenant)
    completed = receiver.wait_for("run.completed")[0]

    assert [r.body["type"] for r in receiver.received] == ["run.started", "run.completed"]
    assert all(r.verified for r in receiver.received)
    assert completed.body["data"] == {
        "workflow_run_id": run_id,
        "workflow_name": "three_shell_steps",
        "tenant_id": running_tenant.tenant_id,
        "state": "completed",
        "event_id": completed.body["data"]["event_id"],
        "attempt": 1,
    }
    # The receiver has answered both, but the service marks a delivery delivered only after the answer arrived.
    delivered = wait_until(
        lambda: len(found := deliveries(running_tenant, webhook["webhook_id"], "delivered")) == 2 and found,
        10,
        "both deliveries delivered",
    )
    assert completed.headers["webhook-id"] == delivered[0]["delivery_id"]  # newest first
    assert PLANTED not in json.dumps([r.body for r in receiver.received])
    assert PLANTED not in audit.started[0].log()


def test_failing_receiver_gets_the_same_delivery_again_until_it_answers_2xx(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url, ["run.completed"])
    receiver.secrets.append(webhook["secret"])
    receiver.statuses.extend([500, 503])
    audit.start()

    _run(running_tenant)
    attempts = receiver.wait_for("run.completed", count=3)
    delivered = wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "delivered"), 10, "delivered")

    assert len({a.headers["webhook-id"] for a in attempts}) == 1
    assert all(a.verified for a in attempts)
    assert (delivered[0]["attempts"], delivered[0]["last_status_code"]) == (3, 200)


def test_delivery_is_dead_after_its_last_attempt_and_a_requeue_delivers_it(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url, ["run.completed"])
    receiver.secrets.append(webhook["secret"])
    receiver.statuses.extend([500, 500, 500])
    audit.start()
    _run(running_tenant)
    dead = wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "dead"), 20, "a dead letter")[0]

    requeued = running_tenant.client.post(
        f"/api/v1/webhooks/{webhook['webhook_id']}/deliveries/{dead['delivery_id']}/retry"
    )

    assert (dead["attempts"], dead["last_status_code"]) == (3, 500)
    assert requeued.status_code == 200
    assert requeued.json()["data"]["state"] == "pending"
    assert receiver.wait_for("run.completed", count=4)[-1].headers["webhook-id"] == dead["delivery_id"]
    assert wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "delivered"), 10, "delivered")


def test_receiver_answering_410_disables_the_webhook(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url, ["run.completed"])
    receiver.statuses.append(410)
    audit.start()
    _run(running_tenant)

    dead = wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "dead"), 20, "a dead letter")
    _run(running_tenant)

    found = running_tenant.client.get(f"/api/v1/webhooks/{webhook['webhook_id']}").json()["data"]
    assert (found["state"], dead[0]["last_status_code"]) == ("disabled", 410)
    assert len(receiver.received) == 1


def test_address_outside_the_allowed_networks_is_never_contacted(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url.replace("127.0.0.1", "localhost"), ["run.completed"])
    audit.start(HWE_OUTBOUND_ALLOWED_NETWORKS="public")
    _run(running_tenant)

    dead = wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "dead"), 20, "a dead letter")

    assert dead[0]["last_error"].startswith("blocked")
    assert receiver.received == []


def test_audit_service_killed_mid_delivery_loses_nothing_and_repeats_the_same_id(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url, ["run.completed"])
    receiver.secrets.append(webhook["secret"])
    receiver.delay_seconds = 1.5
    first = audit.start(HWE_AUDIT_WEBHOOK_TIMEOUT_SECONDS="1")
    _run(running_tenant)
    receiver.wait_for("run.completed")

    kill_hard(first)
    receiver.delay_seconds = 0
    audit.start(HWE_AUDIT_WEBHOOK_TIMEOUT_SECONDS="1")
    delivered = wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "delivered"), 20, "delivered")

    ids = {r.headers["webhook-id"] for r in receiver.of_type("run.completed")}
    assert ids == {delivered[0]["delivery_id"]}
    assert len(receiver.of_type("run.completed")) >= 2


def test_rolled_back_change_sends_nothing_and_a_committed_one_is_queued(conn: object, tenant: Tenant) -> None:
    webhook = subscribe(tenant, "https://hooks.example.com/x", ["run.cancelled"])
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]  # no worker
    append = "INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type) VALUES (%s, %s, 'cancelled')"

    try:
        with conn.transaction():  # type: ignore[attr-defined]
            conn.execute(append, (run_id, tenant.tenant_id))  # type: ignore[attr-defined]
            raise RuntimeError("the business transaction fails")
    except RuntimeError:
        pass
    after_rollback = deliveries(tenant, webhook["webhook_id"])
    conn.execute(append, (run_id, tenant.tenant_id))  # type: ignore[attr-defined]

    assert after_rollback == []
    assert [d["event_type"] for d in deliveries(tenant, webhook["webhook_id"])] == ["run.cancelled"]
    assert uuid.UUID(deliveries(tenant, webhook["webhook_id"])[0]["workflow_run_id"]) == uuid.UUID(run_id)


def test_two_audit_services_share_the_outbox_and_send_each_delivery_once(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url, ["run.completed"])
    receiver.secrets.append(webhook["secret"])
    audit.start()
    audit.start()

    run_ids = [
        running_tenant.submit(load("three_shell_steps"), {"name": str(n)}).json()["data"]["workflow_run_id"]
        for n in range(6)
    ]
    received = receiver.wait_for("run.completed", count=6)

    assert sorted(r.body["data"]["workflow_run_id"] for r in received) == sorted(run_ids)
    assert len({r.headers["webhook-id"] for r in received}) == 6
    assert all(r.verified for r in received)
