"""A Kubernetes API emulator on loopback that answers TokenReviews, for the Vault Kubernetes auth tests.

    python -m tests.integration.secrets.token_review_emulator --port PORT --accounts PATH [--ready-file PATH]

OpenBao's kubernetes auth method sends each login's JWT to `POST /apis/authentication.k8s.io/v1/tokenreviews`
on its `kubernetes_host`. This emulator (kmock's KubernetesEmulator, which also answers discovery) reviews it
against the --accounts JSON file, `{jwt: {"username": ..., "uid": ..., "groups": [...], "audiences": [...]}}`:
a known JWT is authenticated as that service account, any other is not, as the apiserver answers for a
token it did not issue. Unlike a real apiserver it checks no signature, expiry or bound pod, and it ignores
the reviewer's own bearer token. Each review is logged (the account, never the JWT) to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import Any

import aiohttp.web as web
import kmock

TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews"
log = logging.getLogger("token_review_emulator")


class TokenReviewEmulator(kmock.KubernetesEmulator):
    """kmock's emulator, with TokenReviews answered from a table of known service-account JWTs."""

    def __init__(self, accounts: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.accounts = accounts

    async def __call__(self, raw: web.BaseRequest) -> web.StreamResponse:
        """Review tokens here; leave discovery and any other URL to kmock."""
        if raw.method != "POST" or raw.path != TOKEN_REVIEWS:
            return await super().__call__(raw)
        # kmock would store each review as an object and refuse the second (they have no name): answer it here.
        try:
            spec = (await raw.json()).get("spec") or {}
        except ValueError:
            return web.json_response({"kind": "Status", "status": "Failure", "code": 400}, status=400)
        return web.json_response(self.review(str(spec.get("token", "")), list(spec.get("audiences") or [])))

    def review(self, token: str, audiences: list[str]) -> dict[str, Any]:
        """The TokenReview the apiserver would answer for this token and the audiences asked for."""
        reviewed: dict[str, Any] = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview"}
        account = self.accounts.get(token)
        valid_for = list(account.get("audiences", [])) if account else []
        if account is None or (audiences and not set(audiences) & set(valid_for)):
            log.warning("token review: unauthenticated (a token of %s characters)", len(token))
            return {**reviewed, "status": {"authenticated": False, "error": "invalid bearer token"}}
        log.warning("token review: authenticated %s", account["username"])
        user = {"username": account["username"], "uid": account["uid"], "groups": account.get("groups", [])}
        return {**reviewed, "status": {"authenticated": True, "user": user, "audiences": valid_for}}


async def run(port: int, accounts: dict[str, dict[str, Any]], ready_file: Path | None) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    emulator = TokenReviewEmulator(accounts)
    async with emulator:  # kmock answers its errors as Status objects only inside its context
        runner = web.ServerRunner(web.Server(emulator), shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        if ready_file is not None:
            ready_file.touch()
        await stop.wait()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", type=Path, required=True, help="JSON object: JWT -> the account it proves")
    parser.add_argument("--ready-file", type=Path, help="touched once the port accepts connections")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    asyncio.run(run(args.port, json.loads(args.accounts.read_text()), args.ready_file))


if __name__ == "__main__":
    main()
