"""tools.http.request against a real local HTTP server started by the test."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


class _Recorder(http.server.BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"body": body, "idempotency_key": self.headers.get("Idempotency-Key")})
        status = self.answers.pop(0) if self.answers else 200
        payload = json.dumps({"received": body["order"]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Recorder", (_Recorder,), {"answers": [], "seen": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/orders", handler
    httpd.shutdown()
    httpd.server_close()


def test_http_request_posts_json_with_an_idempotency_key_and_returns_the_answer(
    tenant: Tenant, workers: WorkerPool, server: tuple[str, type[_Recorder]]
) -> None:
    url, handler = server
    workers.start(tenant.queue)
    run_id = tenant.submit(load("http_call"), {"url": url, "order": "o-9"}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id)

    assert run["state"] == "completed", run
    assert run["context"]["answer"]["status_code"] == 200
    assert run["context"]["answer"]["response"] == {"received": "o-9"}
    assert handler.seen[0]["body"] == {"order": "o-9"}
    assert handler.seen[0]["idempotency_key"] == f"{run_id}:call"


def test_a_server_error_is_retried_and_a_client_error_fails_the_task(
    tenant: Tenant, workers: WorkerPool, server: tuple[str, type[_Recorder]]
) -> None:
    url, handler = server
    workers.start(tenant.queue)
    handler.answers.extend([503, 404])
    run_id = tenant.submit(load("http_call"), {"url": url, "order": "o-10"}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id)

    assert run["state"] == "failed"
    assert "answered 404" in run["error"]["message"]
    assert len(handler.seen) == 2  # the 503 was retried once, then the 404 ended it
