"""Webhook test bench: a real HTTP receiver on loopback that verifies every signature, and the audit service."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks

from tests.integration.conftest import ServicePool, Tenant, wait_until


@dataclass
class Received:
    """One request the receiver got, with what the signature check said."""

    headers: dict[str, str]
    body: dict[str, Any]
    verified: bool


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 answering `statuses` in turn (then 200), after `delay_seconds`."""

    server: ThreadingHTTPServer
    statuses: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0
    secrets: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.body.get("type") == event_type]

    def wait_for(self, event_type: str, count: int = 1, timeout: float = 30) -> list[Received]:
        return wait_until(
            lambda: len(found := self.of_type(event_type)) >= count and found, timeout, f"{count} {event_type}"
        )


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = False
            for secret in receiver.secrets:
                try:
                    standardwebhooks.Webhook(secret).verify(raw, headers)
                    verified = True
                except standardwebhooks.webhooks.WebhookVerificationError:
                    pass
            with receiver.lock:
                receiver.received.append(Received(headers, json.loads(raw), verified))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            time.sleep(receiver.delay_seconds)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver for this test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    found = Receiver(server)
    server.RequestHandlerClass = _handler(found)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


# Quick retries, so a test sees every outcome within seconds (service_env allows loopback only).
AUDIT_TEST_SETTINGS = {
    "HWE_AUDIT_POLL_SECONDS": "0.1",
    "HWE_AUDIT_WEBHOOK_BACKOFF_SECONDS": "0.2",
    "HWE_AUDIT_WEBHOOK_MAX_ATTEMPTS": "3",
    "HWE_AUDIT_WEBHOOK_TIMEOUT_SECONDS": "2",
}


@pytest.fixture
def audit(service_env: dict[str, str], tmp_path: Path) -> Iterator[ServicePool]:
    """Starts audit services for the test; stops them after it."""
    services = ServicePool("services.audit", "HWE_AUDIT_HEALTH_FILE", {**service_env, **AUDIT_TEST_SETTINGS}, tmp_path)
    try:
        yield services
    finally:
        services.stop_all()


def subscribe(tenant: Tenant, url: str, event_types: list[str], **body: Any) -> dict[str, Any]:
    """Creates a webhook for the tenant and returns it with its secret."""
    response = tenant.client.post("/api/v1/webhooks", json={"url": url, "event_types": event_types, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["data"]
    return created


def deliveries(tenant: Tenant, webhook_id: str, state: str | None = None) -> list[dict[str, Any]]:
    params = {"state": state} if state else {}
    response = tenant.client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]["items"]
    return items
