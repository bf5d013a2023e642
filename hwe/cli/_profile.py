"""Where the CLI finds the API and its key, as kubectl finds a cluster: from any directory.

Sources, first that gives a URL wins: `HWE_API_URL` (or `[cli] api_url`); the current profile of the user's
config file (`$XDG_CONFIG_HOME/highway/config.json`, else `~/.config/highway/config.json`), written by `hwe up`
for the dev stack and by `hwe login`; a state directory (`.hwe`) found upward from the current directory, whose
`api-url` and `dev-api-key` `hwe up` writes. `HWE_API_KEY` overrides the key of any source. A key is only ever
sent to the URL it was stored with. Used by `_api.open_api` and `hwe login`; it makes no request itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib import parse

from hwe import config, errors

DEV_PROFILE = "dev"
_API_PATH = "/api/v1"


@dataclass(frozen=True)
class Endpoint:
    """The API's base URL, the key to send there, and where each came from (for messages)."""

    url: str
    key: str
    source: str


def config_file() -> Path:
    """The user's profile file: `$XDG_CONFIG_HOME/highway/config.json`, else `~/.config/highway/config.json`."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "highway" / "config.json"


def normalize_url(raw: str, source: str) -> str:
    """The API's base URL from what a person typed: a trailing `/api/v1` (and `/`) is dropped.

    Raises:
        ConfigError: not an http(s) URL with a host, or it carries a query or fragment.
    """
    parts = parse.urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise errors.ConfigError(
            f"{source} must be the API's base URL, such as http://127.0.0.1:8080 (optionally ending in /api/v1);"
            f" got {raw.strip()!r}"
        )
    path = parts.path.rstrip("/")
    path = path.removesuffix(_API_PATH)
    return parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def resolve(settings: config.Settings) -> Endpoint:
    """Finds the API and its key from the sources in the module's order.

    Raises:
        ConfigError: no key for the URL found, or a source is unusable.
    """
    state_dir = find_state_dir(settings.state_dir)
    profile_name, profile = current_profile()
    if settings.api_url:
        url = normalize_url(settings.api_url, "HWE_API_URL")
        source = "HWE_API_URL"
        stored = profile if profile and _same_url(profile, url) else None
        key = _profile_key(profile_name, stored) if stored else _dev_key(state_dir)
    elif profile is not None:
        url = normalize_url(str(profile.get("api_url", "")), f"the profile {profile_name!r} in {config_file()}")
        source = f"the profile {profile_name!r} in {config_file()}"
        key = None if settings.api_key else _profile_key(profile_name, profile)
    else:
        stored_url = _read(state_dir / "api-url")
        url = normalize_url(stored_url or f"http://{settings.api_host}:{settings.api_port}", str(state_dir / "api-url"))
        source = str(state_dir) if stored_url else "the default URL"
        key = _dev_key(state_dir)
    key = settings.api_key or key
    if not key:
        raise errors.ConfigError(
            f"no API key for {url} ({source}): set HWE_API_KEY, run `hwe login {url} --api-key-file FILE`,"
            " or run `hwe up` (it writes the dev stack's profile)"
        )
    return Endpoint(url, key, source)


def find_state_dir(state_dir: Path) -> Path:
    """`state_dir` itself when absolute; else the first `<dir>/<state_dir>` holding a key or URL, upward from here."""
    if state_dir.is_absolute():
        return state_dir
    here = Path.cwd()
    for directory in (here, *here.parents):
        candidate = directory / state_dir
        if (candidate / "dev-api-key").is_file() or (candidate / "api-url").is_file():
            return candidate
    return here / state_dir


def current_profile() -> tuple[str, dict[str, Any] | None]:
    """The selected profile (`HWE_PROFILE`, else the file's current one) and its fields, or None when none is.

    Raises:
        ConfigError: the file is not JSON of the expected shape, or HWE_PROFILE names no profile in it.
    """
    document = _load()
    name = os.environ.get("HWE_PROFILE") or str(document.get("current") or "")
    profiles = document.get("profiles", {})
    if not name:
        return "", None
    if name not in profiles:
        if os.environ.get("HWE_PROFILE"):
            raise errors.ConfigError(f"HWE_PROFILE is {name!r}, but {config_file()} has no such profile")
        return name, None
    return name, dict(profiles[name])


def save_profile(name: str, api_url: str, *, api_key: str | None = None, api_key_file: Path | None = None) -> Path:
    """Writes (or replaces) one profile, makes it the current one, and returns the file; the file is 0600."""
    document = _load()
    entry: dict[str, str] = {"api_url": api_url}
    if api_key is not None:
        entry["api_key"] = api_key
    if api_key_file is not None:
        entry["api_key_file"] = str(api_key_file.resolve())
    document.setdefault("profiles", {})[name] = entry
    document["current"] = name
    path = config_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    # Created 0600 before the key is written, then renamed over: no moment where others may read it.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    os.replace(partial, path)
    return path


def _load() -> dict[str, Any]:
    path = config_file()
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text())
    except ValueError as err:
        raise errors.ConfigError(f"{path} is not valid JSON ({err}); fix it or remove it") from err
    if not isinstance(document, dict) or not isinstance(document.get("profiles", {}), dict):
        raise errors.ConfigError(f"{path} must hold an object with `profiles`; fix it or remove it")
    return document


def _same_url(profile: dict[str, Any], url: str) -> bool:
    try:
        return normalize_url(str(profile.get("api_url", "")), "profile") == url
    except errors.ConfigError:
        return False


def _profile_key(name: str, profile: dict[str, Any]) -> str | None:
    if profile.get("api_key"):
        return str(profile["api_key"])
    if profile.get("api_key_file"):
        key_file = Path(profile["api_key_file"])
        key = _read(key_file)
        if key is None:
            raise errors.ConfigError(
                f"the profile {name!r} in {config_file()} reads its key from {key_file}, which does not exist:"
                " run `hwe up` (dev stack) or `hwe login`"
            )
        return key
    return None


def _dev_key(state_dir: Path) -> str | None:
    return _read(state_dir / "dev-api-key")


def _read(path: Path) -> str | None:
    return path.read_text().strip() if path.is_file() else None
