"""`hwe login URL`: checks a key against an API and saves both as a profile, so later commands work from anywhere.

The profile goes to the user's config file (see `_profile`), 0600, and becomes the current one; `hwe up` writes
the `dev` profile the same way. A key given with `--api-key-file` is read from that file at each command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import httpx

from hwe import config
from hwe.cli import _api, _profile


def add_parser(commands: Any) -> None:
    """Adds `login` to the `hwe` command line."""
    parser = commands.add_parser("login", help="save an API's URL and key as a profile used from any directory")
    parser.add_argument("url", metavar="URL", help="the API's base URL, such as https://highway.example.com")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--api-key-file", type=Path, metavar="FILE", help="read the key from FILE at each command")
    source.add_argument("--api-key-stdin", action="store_true", help="read the key from stdin and store it")
    parser.add_argument("--profile", default="default", help="the profile's name (default: default)")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Checks the key with one read of the API, then saves the profile; 1 when the API refuses the key."""
    url = _profile.normalize_url(args.url, "URL")
    if args.api_key_stdin:
        key = sys.stdin.readline().strip()
    elif args.api_key_file.is_file():
        key = args.api_key_file.read_text().strip()
    else:
        return int(_api.fail("login", f"no such key file: {args.api_key_file}", status=2))
    if not key:
        return int(_api.fail("login", "the key is empty", status=2))
    headers = {"Authorization": f"Bearer {key}", "User-Agent": "hwe-cli"}
    with httpx.Client(base_url=url, headers=headers, timeout=_api.TIMEOUT_SECONDS) as http:
        # Any key may read its tenant's runs: one small page proves the URL and the key before they are saved.
        _api.Api(http, "login").call("GET", "/api/v1/workflows", params={"limit": 1})
    if args.api_key_stdin:
        path = _profile.save_profile(args.profile, url, api_key=key)
    else:
        path = _profile.save_profile(args.profile, url, api_key_file=args.api_key_file)
    _api.note(f"logged in to {url}; profile {args.profile!r} saved to {path} and made current")
    return 0
