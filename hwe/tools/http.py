"""`tools.http.request`: one HTTP request; returns `{status_code, headers, response}`.

Keywords: `url` (required), `method` (GET), `headers`, `params`, `json_data` (the Driver SDK says
`json`), `data`, `timeout` (seconds, default 30). Every request carries an `Idempotency-Key`
header (run id:task id) so a repeated step can be recognised by the server. A 4xx answer fails
the task for good; a 5xx answer or a network error is a temporary failure that the task's retry
policy may retry. `response` is the parsed JSON body when there is one, else the text.

The request goes only where the outbound policy (hwe/outbound.py, `[outbound] allowed_networks`) allows: the
host is resolved, an allowed address is picked, and the connection goes to that very address (with the `Host`
header and TLS server name of the URL). A host with no allowed address fails the task for good, naming the host
and the setting, before anything is sent. Redirects are not followed (a 3xx is returned as it is), and proxy
variables of the worker's environment are ignored, so nothing reaches an address the policy did not check.
"""

from __future__ import annotations

from typing import Any

import httpx
import trio

from hwe import errors, outbound, tools

TOOL = "tools.http.request"
_KEYWORDS = {"url", "method", "headers", "params", "json_data", "json", "data", "timeout"}
_MAX_BODY_CHARS = 1_000_000


def use_policy(policy: outbound.Policy) -> None:
    """Binds the tool to `policy`; the worker calls it once, after `tools.load_builtin_tools()`."""

    async def request_within_policy(call: tools.ToolCall) -> dict[str, Any]:
        return await _request(policy, call)

    tools.register(TOOL)(request_within_policy)


@tools.register(TOOL)
async def request(call: tools.ToolCall) -> dict[str, Any]:
    """Sends the request under the default policy (public addresses only), where no worker bound one."""
    return await _request(outbound.parse_policy(""), call)


async def _request(policy: outbound.Policy, call: tools.ToolCall) -> dict[str, Any]:
    """Sends the request; fails on a refused address or a 4xx (for good), a 5xx or network error (temporarily)."""
    kwargs = call.kwargs
    unknown = set(kwargs) - _KEYWORDS
    if call.args or unknown or not isinstance(kwargs.get("url"), str):
        raise errors.PermanentError(f"{TOOL} takes the keywords {', '.join(sorted(_KEYWORDS))} and needs 'url'")
    try:
        url = httpx.URL(kwargs["url"])
        timeout = float(kwargs.get("timeout", 30))
    except (httpx.InvalidURL, TypeError, ValueError) as err:
        # Only the reason: what follows it ("Invalid port: '...'") is a part of the URL, which may hold a secret.
        reason = str(err).partition(": ")[0]
        raise errors.PermanentError(f"request could not be sent: {type(err).__name__}: {reason}") from err
    if url.scheme not in ("http", "https") or not url.raw_host:
        raise errors.PermanentError(f"{TOOL} needs an http:// or https:// URL with a host")
    host = url.raw_host.decode("ascii")  # IDNA-encoded: what the resolver and the TLS server name take
    address = await _allowed_address(policy, host, url.port or (443 if url.scheme == "https" else 80), timeout)
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    try:
        headers = httpx.Headers({"Host": url.netloc.decode("ascii"), "Idempotency-Key": call.idempotency_key})
        headers.update(kwargs.get("headers") or {})  # the task's own headers win, case-insensitively
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = await client.request(
                str(kwargs.get("method", "GET")).upper(),
                url.copy_with(host=address),
                headers=headers,
                params=kwargs.get("params"),
                json=kwargs.get("json_data", kwargs.get("json")),
                data=kwargs.get("data"),
                extensions=extensions,
            )
    except httpx.TransportError as err:
        raise errors.TemporaryError(f"request failed: {type(err).__name__}") from err
    except (httpx.HTTPError, TypeError, ValueError) as err:
        raise errors.PermanentError(f"request could not be sent: {type(err).__name__}: {err}") from err
    result = {"status_code": response.status_code, "headers": dict(response.headers), "response": _body(response)}
    if response.status_code >= 500:
        raise errors.TemporaryError(f"the server answered {response.status_code}")
    if response.status_code >= 400:
        raise errors.PermanentError(f"the server answered {response.status_code}: {response.text[:500]}")
    return result


async def _allowed_address(policy: outbound.Policy, host: str, port: int, timeout: float) -> str:
    """The address to connect to; a host the policy refuses fails the task for good, one that does not resolve
    (in time) temporarily."""
    address: str | None = None
    with trio.move_on_after(timeout) as resolving:
        try:
            address = await outbound.allowed_address(policy, host, port)
        except OSError as err:
            raise errors.TemporaryError(f"cannot resolve {host} ({type(err).__name__})") from err
    if resolving.cancelled_caught:
        raise errors.TemporaryError(f"cannot resolve {host} within {timeout} s")
    if address is None:
        raise errors.PermanentError(
            f"{TOOL} may not connect to {host}: it resolves to no address that {outbound.SETTING} allows"
        )
    return address


def _body(response: httpx.Response) -> Any:
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    return response.text[:_MAX_BODY_CHARS]
