"""`hwe artifacts upload|get|exists|delete`: the tenant's zip archives of task code (apps run from them).

An artifact is named by the SHA-256 of its bytes, so uploading the same archive again answers the same id.
The API lists no artifacts: keep the ids `upload` prints (apps name the one they run from).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib import parse

import httpx

from hwe import config
from hwe.cli import _api, _views

PATH = "/api/v1/artifacts"


def add_parser(commands: Any) -> None:
    """Adds `artifacts upload`, `get`, `exists` and `delete` to the `hwe` command line."""
    parser = commands.add_parser("artifacts", help="upload, inspect and delete zip archives of task code")
    actions = parser.add_subparsers(dest="action", required=True)
    upload = actions.add_parser("upload", help="upload a zip archive; prints its artifact id (its SHA-256)")
    upload.add_argument("file", type=Path, metavar="FILE.zip", help="the zip archive (at most 10 MiB)")
    upload.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    get = actions.add_parser("get", help="show an artifact's size and upload time")
    get.add_argument("artifact_id", metavar="ID", help="the artifact id")
    get.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    exists = actions.add_parser("exists", help="exit 0 when the artifact exists, 1 when it does not")
    exists.add_argument("artifact_id", metavar="ID", help="the artifact id")
    delete = actions.add_parser("delete", help="delete an artifact")
    delete.add_argument("artifact_id", metavar="ID", help="the artifact id")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `artifacts` action; exits 1 when the artifact is not found (or the API refuses), 2 for a bad file."""
    command = f"artifacts {args.action}"
    if args.action == "upload":
        if not args.file.is_file():
            return int(_api.fail(command, f"{args.file} is not a file", status=2))
        content = args.file.read_bytes()
    with _api.open_api(settings, command) as api:
        if args.action == "upload":
            found = _upload(api, command, args.file.name, content)
        elif args.action == "delete":
            api.call("DELETE", _path(args.artifact_id))
            _api.result(f"deleted artifact {args.artifact_id}")
            return 0
        elif args.action == "exists":
            if api.call("GET", _path(args.artifact_id, "exists"))["exists"]:
                _api.result(f"artifact {args.artifact_id} exists")
                return 0
            return int(_api.fail(command, f"no artifact {args.artifact_id} in your tenant"))
        else:
            found = api.call("GET", _path(args.artifact_id))
    if args.json:
        _views.print_json(found)
    elif args.action == "upload":
        _api.note(f"uploaded {args.file.name} ({found['size']} bytes) as artifact")
        _api.result(found["artifact_id"])
    else:
        fields = [("Artifact", found["artifact_id"]), ("Size", f"{found['size']} bytes")]
        _views.print_fields("artifact", [*fields, ("Uploaded", _views.when(found.get("created_at")))])
    return 0


def _upload(api: _api.Api, command: str, filename: str, content: bytes) -> dict[str, Any]:
    # The one multipart request of the CLI: `Api.call` sends JSON bodies only, so this uses its open client
    # (same URL, key and timeout) and reports errors as `Api.call` does.
    files = {"artifact": (filename, content, "application/zip")}
    try:
        response = api._http.post(PATH, files=files)
    except httpx.TransportError as err:
        return dict(_api.fail(command, f"cannot reach the API at {api._http.base_url} ({type(err).__name__})"))
    try:
        body = response.json()
    except ValueError:
        body = None
    if not response.is_success or not isinstance(body, dict):
        return dict(_api.fail(command, _api._describe_error(response.status_code, body)))
    data: dict[str, Any] = body["data"]
    return data


def _path(artifact_id: str, action: str = "") -> str:
    path = f"{PATH}/{parse.quote(artifact_id, safe='')}"
    return f"{path}/{action}" if action else path
