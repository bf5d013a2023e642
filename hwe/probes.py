"""The HTTP face of a trio service: `/metrics`, `/healthz` and `/readyz` on one port.

Kubernetes' probes and Prometheus read it; the service's `Health` (`hwe.lifecycle`) is what it reports. Served by
the standard library's WSGI server in a thread that the service's nursery owns (as prometheus_client's own
server does, but cancelled with the service). The API serves the same three paths itself, and the operator
leaves liveness to kopf.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref import simple_server

import prometheus_client
import trio

from hwe import lifecycle, metrics

logger = logging.getLogger(__name__)

# How often the server's thread checks for a shutdown request: the service's stop waits at most this long.
POLL_SECONDS = 0.1

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


async def serve_probes(
    host: str, port: int, health: lifecycle.Health, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serves the three paths on `host:port` until cancelled (0: serves nothing, returns at once)."""
    if not port:
        task_status.started()
        return
    server = _make_server(host, port, _application(health))
    logger.info("probes and metrics on %s:%s", host, port)
    task_status.started()
    try:
        await trio.to_thread.run_sync(server.serve_forever, POLL_SECONDS, abandon_on_cancel=True)
    finally:
        server.shutdown()  # returns within POLL_SECONDS: the abandoned thread's loop sees the request and ends
        server.server_close()


def _application(health: lifecycle.Health) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    metrics_app = prometheus_client.make_wsgi_app(metrics.REGISTRY)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _answer(start_response, health.is_alive(), "alive")
        if path == "/readyz":
            return _answer(start_response, health.is_ready(), "ready")
        result: Iterable[bytes] = metrics_app(environ, start_response)
        return result

    return application


def _answer(start_response: StartResponse, ok: bool, what: str) -> list[bytes]:
    body = json.dumps({"status": "success" if ok else "error", "data": {what: ok}}).encode()
    status = "200 OK" if ok else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class _QuietHandler(simple_server.WSGIRequestHandler):
    """Logs nothing: a probe every few seconds would drown the service's own log."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _make_server(host: str, port: int, app: Any) -> simple_server.WSGIServer:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]

    class Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
        address_family = family
        daemon_threads = True  # a slow scrape must not hold the process open at exit

    return simple_server.make_server(host, port, app, Server, handler_class=_QuietHandler)
