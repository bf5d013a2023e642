"""Helpers of the planted-secret test: a loopback receiver that records every request, and a search for a
marker string through JSON answers that says where it was found."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request the receiver got: its path, headers (lower-case names) and raw body."""

    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that answers 200 to every POST and GET and keeps what it got."""

    server: ThreadingHTTPServer
    received: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def requests(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.received if r.path == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode(errors="replace")
            with receiver.lock:
                receiver.received.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _record

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def open_receiver() -> Iterator[Receiver]:
    """Serves a receiver in a thread until the generator is closed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(server)
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def found_at(value: Any, marker: str, path: str = "") -> list[str]:
    """The JSON paths (`data.context.token`, `data.items[0].value`) of the strings in `value` holding `marker`,
    keys included; list items are written `[]`, so a path names a field whatever its position."""
    if isinstance(value, dict):
        found = [f"{path}.{key}(key)".lstrip(".") for key in value if marker in str(key)]
        for key, item in value.items():
            found += found_at(item, marker, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return [hit for item in value for hit in found_at(item, marker, f"{path}[]")]
    return [path.lstrip(".")] if marker in str(value) else []
