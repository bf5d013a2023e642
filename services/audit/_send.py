"""One webhook delivery attempt: resolve, refuse what the outbound policy refuses, sign per Standard Webhooks, POST.

The connection goes to the very address the policy (hwe/outbound.py) allowed (the URL's host is replaced by it,
with the `Host` header and TLS server name kept), so a DNS answer that changes between the check and the
connection (DNS rebinding) cannot lead it elsewhere. Redirects are not followed. Says what happened; records nothing.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from urllib import parse

import httpx
import standardwebhooks

from hwe import outbound, webhooks


@dataclass(frozen=True)
class Attempt:
    """How one attempt ended: the receiver's status code, or why there was none."""

    status_code: int | None
    error: str | None
    blocked: bool = False

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


async def send(http: httpx.AsyncClient, delivery: webhooks.Delivery, secret: str, policy: outbound.Policy) -> Attempt:
    """Sends the delivery once to its webhook's URL, if the outbound policy allows an address of its host."""
    try:
        url = parse.urlsplit(delivery.url)
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:  # a URL stored before the API checked its port: it can never be sent
        return Attempt(None, "blocked: the webhook's URL is not a valid URL", blocked=True)
    host = url.hostname or ""
    try:
        address = await outbound.allowed_address(policy, host, port)
    except OSError as err:
        return Attempt(None, f"cannot resolve {host} ({type(err).__name__})")
    if address is None:
        return Attempt(None, f"blocked: {host} resolves to no address that {outbound.SETTING} allows", blocked=True)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    now = datetime.datetime.now(datetime.UTC)
    signature = standardwebhooks.Webhook(secret).sign(delivery.delivery_id, now, body)
    headers = {
        "Host": url.netloc.rpartition("@")[2],
        "Content-Type": "application/json",
        "User-Agent": "highway-webhooks",
        "webhook-id": delivery.delivery_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    target = parse.urlunsplit((url.scheme, netloc, url.path or "/", url.query, ""))
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    try:
        response = await http.post(target, content=body.encode(), headers=headers, extensions=extensions)
    except httpx.HTTPError as err:
        return Attempt(None, f"{type(err).__name__} sending to {host}")
    return Attempt(
        response.status_code, None if response.is_success else f"the receiver answered {response.status_code}"
    )
