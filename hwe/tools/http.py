"""`tools.http.request`: one HTTP request; returns `{status_code, headers, response}`.

Keywords: `url` (required), `method` (GET), `headers`, `params`, `json_data` (the Driver SDK says
`json`), `data`, `timeout` (seconds, default 30). Every request carries an `Idempotency-Key`
header (run id:task id) so a repeated step can be recognised by the server. A 4xx answer fails
the task for good; a 5xx answer or a network error is a temporary failure that the task's retry
policy may retry. `response` is the parsed JSON body when there is one, else the text.
"""

from __future__ import annotations

from typing import Any

import httpx

from hwe import errors, tools

_KEYWORDS = {"url", "method", "headers", "params", "json_data", "json", "data", "timeout"}
_MAX_BODY_CHARS = 1_000_000


@tools.register("tools.http.request")
async def request(call: tools.ToolCall) -> dict[str, Any]:
    """Sends the request; fails on a 4xx (for good) or a 5xx or network error (temporarily)."""
    kwargs = call.kwargs
    unknown = set(kwargs) - _KEYWORDS
    if call.args or unknown or not isinstance(kwargs.get("url"), str):
        raise errors.PermanentError(
            f"tools.http.request takes the keywords {', '.join(sorted(_KEYWORDS))} and needs 'url'"
        )
    headers = {"Idempotency-Key": call.idempotency_key, **(kwargs.get("headers") or {})}
    try:
        async with httpx.AsyncClient(timeout=float(kwargs.get("timeout", 30))) as client:
            response = await client.request(
                str(kwargs.get("method", "GET")).upper(),
                kwargs["url"],
                headers=headers,
                params=kwargs.get("params"),
                json=kwargs.get("json_data", kwargs.get("json")),
                data=kwargs.get("data"),
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


def _body(response: httpx.Response) -> Any:
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    return response.text[:_MAX_BODY_CHARS]
