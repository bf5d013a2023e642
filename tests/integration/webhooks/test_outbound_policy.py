"""The outbound policy (hwe/outbound.py): webhooks and tools.http.request reach only the allowed networks.

Every service of the test stack runs with `[outbound] allowed_networks = 127.0.0.0/8,::1/128`. A refused address
is refused before any connection: the TEST-NET address 192.0.2.1 is never contacted (an attempt would time out,
not be blocked), and a name is checked on the addresses it resolves to, `localhost` among them.
"""

from __future__ import annotations

import pytest

from hwe import config, errors, outbound
from tests.conftest import LOOPBACK_ONLY
from tests.integration.conftest import ServicePool, Tenant, WorkerPool, wait_until
from tests.integration.webhooks.conftest import Receiver, deliveries, subscribe
from tests.workflow_examples import load

REFUSED_URL = "http://192.0.2.1:9/hooks"  # TEST-NET-1: documentation only, never routed


def _run(tenant: Tenant, example: str, **inputs: str) -> dict[str, object]:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run: dict[str, object] = tenant.wait_for_state(response.json()["data"]["workflow_run_id"])
    return run


def test_the_policy_allows_only_what_it_lists_and_never_link_local() -> None:
    loopback = outbound.parse_policy(LOOPBACK_ONLY)
    default = outbound.parse_policy("")
    mixed = outbound.parse_policy("public, 10.0.0.0/8")

    assert [loopback.allows(a) for a in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "192.0.2.1", "8.8.8.8")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert [default.allows(a) for a in ("8.8.8.8", "127.0.0.1", "10.1.2.3", "192.0.2.1", "224.0.0.1")] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert [mixed.allows(a) for a in ("8.8.8.8", "10.1.2.3", "192.168.1.1")] == [True, True, False]
    never = outbound.parse_policy("169.254.0.0/16,fe80::/10,fd00:ec2::/64,public")
    assert not any(never.allows(a) for a in ("169.254.169.254", "fe80::1", "fd00:ec2::254"))


def test_a_malformed_policy_stops_the_service_at_start() -> None:
    with pytest.raises(errors.ConfigError, match=r"HWE_OUTBOUND_ALLOWED_NETWORKS.*'intranet'"):
        config.load_settings({"HWE_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,intranet"})

    assert config.load_settings({"HWE_OUTBOUND_ALLOWED_NETWORKS": LOOPBACK_ONLY}).outbound_allowed_networks


def test_a_webhook_to_a_refused_address_is_dead_lettered_at_once_and_loopback_still_delivered(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    refused = subscribe(running_tenant, REFUSED_URL, ["run.completed"])
    allowed = subscribe(running_tenant, receiver.url, ["run.completed"])
    receiver.secrets.append(allowed["secret"])
    audit.start()

    _run(running_tenant, "three_shell_steps", name="n")
    dead = wait_until(lambda: deliveries(running_tenant, refused["webhook_id"], "dead"), 20, "a dead letter")
    receiver.wait_for("run.completed")

    assert dead[0]["attempts"] == 1  # refused before connecting: no timeout, no retry
    assert dead[0]["last_error"].startswith("blocked: 192.0.2.1")
    assert "HWE_OUTBOUND_ALLOWED_NETWORKS" in dead[0]["last_error"]
    assert all(r.verified for r in receiver.received)
    # The receiver answers before the audit service records its answer: wait for the record.
    wait_until(lambda: deliveries(running_tenant, allowed["webhook_id"])[0]["state"] == "delivered", 20, "the delivery")


def test_a_name_is_refused_when_the_addresses_it_resolves_to_are(
    running_tenant: Tenant, receiver: Receiver, audit: ServicePool
) -> None:
    webhook = subscribe(running_tenant, receiver.url.replace("127.0.0.1", "localhost"), ["run.completed"])
    audit.start(HWE_OUTBOUND_ALLOWED_NETWORKS="192.0.2.0/24")

    _run(running_tenant, "three_shell_steps", name="n")
    dead = wait_until(lambda: deliveries(running_tenant, webhook["webhook_id"], "dead"), 20, "a dead letter")

    assert dead[0]["last_error"].startswith("blocked: localhost resolves to no address")
    assert receiver.received == []


def test_http_request_to_a_refused_address_fails_the_task_naming_host_and_setting(
    tenant: Tenant, workers: WorkerPool
) -> None:
    workers.start(tenant.queue)

    run = _run(tenant, "http_call", url=REFUSED_URL, order="o-1")

    assert run["state"] == "failed", run
    message = run["error"]["message"]  # type: ignore[index]
    assert "may not connect to 192.0.2.1" in message
    assert "HWE_OUTBOUND_ALLOWED_NETWORKS" in message


def test_http_request_by_name_goes_to_the_checked_loopback_address_or_is_refused(
    tenant: Tenant, workers: WorkerPool, receiver: Receiver
) -> None:
    url = receiver.url.replace("127.0.0.1", "localhost")
    loopback_worker = workers.start(tenant.queue)

    allowed = _run(tenant, "http_call", url=url, order="o-2")
    loopback_worker.stop()
    workers.start(tenant.queue, HWE_OUTBOUND_ALLOWED_NETWORKS="public")
    refused = _run(tenant, "http_call", url=url, order="o-3")

    assert allowed["state"] == "completed", allowed
    assert [r.body for r in receiver.received] == [{"order": "o-2"}]
    assert receiver.received[0].headers["host"] == url.split("/")[2]  # the URL's host, though sent to its address
    assert refused["state"] == "failed", refused
    assert "may not connect to localhost" in refused["error"]["message"]  # type: ignore[index]


def test_a_url_the_parser_rejects_is_a_bad_request(tenant: Tenant) -> None:
    answers = [
        tenant.client.post("/api/v1/webhooks", json={"url": url, "event_types": ["run.completed"]})
        for url in ("http://[::1/hooks", "http://example.com:99999/hooks")
    ]

    assert [a.status_code for a in answers] == [400, 400]
    assert all("'url' is not a valid URL" in a.json()["message"] for a in answers)
