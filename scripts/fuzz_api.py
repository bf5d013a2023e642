"""Checks the API against its own OpenAPI document with schemathesis: `make fuzz` (docs/api.md, "The contract").

Without `--url` it starts what the test suite starts: an embedded PostgreSQL in a temporary directory, a migrated
database, one API process on loopback and a tenant with an admin key; no worker runs, so no workflow step (no
`tools.http.request`) and no webhook delivery leaves the machine. With `--url` and `--key` it checks a running API
(e.g. `make dev`'s) instead: then only an API on loopback is accepted.

It runs schemathesis three times: the examples, coverage and fuzzing phases on every operation but the revocation
of keys; the stateful phase on the same; then the revocation of keys alone (a stateful phase could revoke the key it
calls with). The stateful phase follows the OpenAPI `links` of the document (a submitted run to its reads, a
created webhook to its get and delete, ...), not links schemathesis guesses. Any option after `--` goes to
`schemathesis run` as it is, e.g. `python scripts/fuzz_api.py -- --include-path-regex webhooks`.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# The checks of schemathesis 4.32 that hold the API to its document (`schemathesis run --help` lists them all).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
STATELESS_PHASES = "examples,coverage,fuzzing"
OPENAPI_PATH = "/api/v1/openapi.json"
# The test's short run (bounded by examples alone, so a seed repeats it) and `make fuzz`'s long one (examples per
# operation, seconds for each of its stateless and stateful runs).
SHORT_EXAMPLES = 3
# A stateful scenario is one example: it takes many to walk each link.
STATEFUL_FACTOR = 10
LONG_EXAMPLES, LONG_SECONDS = 100, 300
# Long-polling operations wait up to a minute by their own documents. The config: no coverage cases of methods a path
# lacks (405s, which none of CHECKS looks at), a stateful phase on the document's own links only, and no cache of
# earlier crashes (replayed first, they would make one run depend on the last; it would land in the working directory).
REQUEST_TIMEOUT_SECONDS = 70
RUN_CONFIG = """\
[cache]
enabled = false

[phases.coverage]
unexpected-methods = []

[phases.stateful]
max-steps = 6

[phases.stateful.inference]
algorithms = []

# OAuth/OIDC sign-in is not offered: its entry points answer the documented 501 by design.
[[operations]]
include-operation-id = ["oidc_sign_in", "oauth_sign_in"]
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "501"]
"""
# Keys are revoked in a run of their own, after the rest: a stateful phase could revoke the key it calls with.
_REVOKING = ("revoke_admin_api_key", "rotate_admin_api_key")
EXCLUDE_REVOKE = tuple(arg for operation in _REVOKING for arg in ("--exclude-operation-id", operation))
ONLY_REVOKE = tuple(
    arg for operation in (*_REVOKING, "create_admin_api_key") for arg in ("--include-operation-id", operation)
)


def schemathesis_command(
    api_url: str,
    api_key: str,
    *,
    max_examples: int,
    max_time: int | None,
    seed: int,
    report_dir: Path,
    extra: Sequence[str] = (),
) -> list[str]:
    """The `schemathesis run` command line against the API at `api_url`, authenticated by `api_key`.

    Without `max_time` the run is bounded by `max_examples` alone, so a seed repeats it case for case; with it,
    the fuzzing and stateful phases repeat until the time is spent. Writes the run's config file (`RUN_CONFIG`)
    into `report_dir`.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    config = report_dir / "schemathesis.toml"
    config.write_text(RUN_CONFIG)
    executable = Path(sys.executable).with_name("schemathesis")
    budget = [] if max_time is None else ["--max-time", str(max_time)]
    return [
        str(executable),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{api_url}{OPENAPI_PATH}",
        "--url",
        api_url,
        "--header",
        f"Authorization: Bearer {api_key}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        *budget,
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--no-shrink",
        "--request-timeout",
        str(REQUEST_TIMEOUT_SECONDS),
        "--suppress-health-check",
        "all",
        "--report",
        "ndjson",
        "--report-dir",
        str(report_dir),
        *extra,
    ]


def runs(
    api_url: str,
    api_key: str,
    report_dir: Path,
    max_examples: int,
    max_time: int | None,
    seed: int,
    extra: Sequence[str] = (),
) -> list[list[str]]:
    """The three runs of a check: the stateless phases, the stateful one, then the revocation of keys."""
    selections = {
        "stateless": ("--phases", STATELESS_PHASES, *EXCLUDE_REVOKE),
        "stateful": ("--phases", "stateful", *EXCLUDE_REVOKE),
        "revoke": ("--phases", STATELESS_PHASES, *ONLY_REVOKE),
    }
    return [
        schemathesis_command(
            api_url,
            api_key,
            max_examples=max_examples * STATEFUL_FACTOR if name == "stateful" else max_examples,
            max_time=None if name == "revoke" else max_time,
            seed=seed,
            report_dir=report_dir / name,
            extra=[*selection, *extra],
        )
        for name, selection in selections.items()
    ]


def require_loopback(api_url: str) -> None:
    """Refuses to send test traffic anywhere but this machine."""
    host = urllib.parse.urlsplit(api_url).hostname or ""
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)} if host else set()
    if not addresses or not all(ipaddress.ip_address(address).is_loopback for address in addresses):
        raise SystemExit(f"fuzz_api: {api_url} is not on loopback; the contract is checked on this machine only")


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_stack(directory: Path) -> Iterator[tuple[str, str]]:
    """An embedded PostgreSQL, a migrated database, an API process and a tenant's admin key: (url, key)."""
    import psycopg

    from hwe import db, embedded, migrate, tenants

    server = embedded.start_server(directory / "pgdata", delete_on_exit=True)
    with psycopg.connect(embedded.server_url(server), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CREATE DATABASE hwe_fuzz")
    database_url = embedded.server_url(server, "hwe_fuzz")
    pepper = uuid.uuid4().hex
    secrets_file = directory / "secrets.json"
    secrets_file.write_text(json.dumps({"api_key_pepper": pepper}))
    tenant_id = f"fuzz{uuid.uuid4().hex[:8]}"
    with db.connect(database_url) as conn:
        migrate.apply_migrations(conn)
        tenants.create_tenant(conn, tenant_id, queue_name=tenant_id)
        key = tenants.create_api_key(conn, tenant_id, "admin", pepper)
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("HWE_")}
    env.update(
        {
            "HWE_DATABASE_URL": database_url,
            "HWE_SECRETS_FILE": str(secrets_file),
            "HWE_STATE_DIR": str(directory / "state"),
            "HWE_API_HOST": "127.0.0.1",
            "HWE_API_PORT": str(port),
            "HWE_LOG_LEVEL": "WARNING",
            "HWE_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",  # webhooks and HTTP tasks reach only this machine
        }
    )
    url = f"http://127.0.0.1:{port}"
    with (directory / "api.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.api"], env=env, stdout=log, stderr=log)
    try:
        _wait_ready(url, process)
        yield url, key
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("fuzz_api: the API process exited; see api.log in the work directory")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310 (http on loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"fuzz_api: the API at {url} did not get ready")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the check; the exit status is schemathesis' (0: the API keeps its contract)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running API on loopback (e.g. http://127.0.0.1:8080); needs --key")
    parser.add_argument("--key", default=os.environ.get("HWE_API_KEY"), help="an admin key of that API's tenant")
    parser.add_argument("--max-examples", type=int, default=LONG_EXAMPLES, help="test cases per operation")
    parser.add_argument(
        "--max-time", type=int, default=LONG_SECONDS, help="seconds for each of two runs (0: no limit but the examples)"
    )
    parser.add_argument("--seed", type=int, default=13, help="the random seed (a run is repeatable)")
    parser.add_argument("--report-dir", type=Path, default=Path(".hwe/fuzz"), help="where the ndjson report goes")
    parser.add_argument("extra", nargs="*", help="options for schemathesis run, after --")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hwe-fuzz-") as work:
        directory = Path(work)

        def run(url: str, key: str) -> int:
            require_loopback(url)
            failed = 0
            for command in runs(
                url, key, args.report_dir, args.max_examples, args.max_time or None, args.seed, args.extra
            ):
                failed = subprocess.call(command) or failed
            return failed

        if args.url:
            if not args.key:
                parser.error("--url needs --key (or HWE_API_KEY): an admin key of the API's tenant")
            return run(args.url.rstrip("/"), args.key)
        with local_stack(directory) as (url, key):
            return run(url, key)


if __name__ == "__main__":
    sys.exit(main())
