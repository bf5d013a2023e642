"""The webhook receiver: a small HTTP server on 127.0.0.1 that records each delivery's id, and can go down."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import standardwebhooks


class Receiver:
    """Records the `webhook-id` of every verified delivery; `down` closes its socket, `up` listens again."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: set[str] = set()
        self.unverified = 0
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        """Where the webhook points."""
        return f"http://127.0.0.1:{self.port}/hooks"

    def up(self) -> None:
        """Listens (again, on the same port once it had one)."""
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stops listening: connections are refused until `up`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def record(self, raw: str, headers: dict[str, str]) -> None:
        """Keeps the delivery's id when its signature is right."""
        try:
            standardwebhooks.Webhook(self.secret).verify(raw, headers)
        except standardwebhooks.webhooks.WebhookVerificationError:
            with self.lock:
                self.unverified += 1
            return
        with self.lock:
            self.received.add(headers["webhook-id"])


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            json.loads(raw)  # a body that is not JSON fails the request, and the engine retries it
            receiver.record(raw, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
