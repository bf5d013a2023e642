"""Session fixtures: one embedded PostgreSQL for the whole run, one migrated template database,
and a database per pytest-xdist worker cloned from that template."""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hwe import db, embedded, migrate

TEMPLATE_DATABASE = "hwe_template"
# The outbound policy of every service a test starts: loopback, and nothing else.
LOOPBACK_ONLY = "127.0.0.0/8,::1/128"


def _shared_root(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


class _FileLock:
    def __init__(self, path: Path) -> None:
        self._file = path.open("a")

    def __enter__(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_EX)

    def __exit__(self, *exc: Any) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Any:
    """The embedded server shared by every xdist worker; deleted when the last one exits."""
    root = _shared_root(tmp_path_factory, worker_id)
    with _FileLock(root / "postgres.lock"):
        server = embedded.start_server(root / "pgdata", delete_on_exit=True)
        ready = root / "template.ready"
        if not ready.exists():
            admin_url = embedded.server_url(server)
            with psycopg.connect(admin_url, autocommit=True) as conn:
                # Tests need durability across worker crashes, not across power loss.
                conn.execute("ALTER SYSTEM SET fsync = off")
                conn.execute("ALTER SYSTEM SET synchronous_commit = off")
                conn.execute("SELECT pg_reload_conf()")
                conn.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
            with db.connect(embedded.server_url(server, TEMPLATE_DATABASE)) as conn:
                migrate.apply_migrations(conn)
            ready.touch()
    return server


def create_database(server: Any, name: str, template: str = TEMPLATE_DATABASE) -> str:
    """Creates a database (a copy of the migrated template by default) and returns its URL."""
    with psycopg.connect(embedded.server_url(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return embedded.server_url(server, name)


@pytest.fixture(scope="session")
def database_url(postgres_server: Any, worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """This xdist worker's own migrated database."""
    root = _shared_root(tmp_path_factory, worker_id)
    # Cloning needs the template to have no other session; the lock serializes the workers.
    with _FileLock(root / "postgres.lock"):
        return create_database(postgres_server, f"hwe_test_{worker_id}")


@pytest.fixture
def empty_database_url(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """A fresh database with no engine schema at all."""
    return create_database(postgres_server, f"hwe_empty_{uuid.uuid4().hex[:12]}", template="template0")


@pytest.fixture(scope="session")
def secrets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A secrets file with a random pepper, as a mounted secret would be."""
    path = tmp_path_factory.mktemp("secrets") / "secrets.json"
    path.write_text(json.dumps({"api_key_pepper": uuid.uuid4().hex}))
    return path


@pytest.fixture(scope="session")
def service_env(database_url: str, secrets_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment every service subprocess of this xdist worker gets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update(
        {
            "HWE_DATABASE_URL": database_url,
            "HWE_SECRETS_FILE": str(secrets_file),
            "HWE_STATE_DIR": str(tmp_path_factory.mktemp("state")),
            "HWE_LOG_LEVEL": "INFO",
            "HWE_WORKER_POLL_SECONDS": "0.5",
            # Tests reach nothing but this machine (webhooks, tools.http.request): hwe/outbound.py.
            "HWE_OUTBOUND_ALLOWED_NETWORKS": LOOPBACK_ONLY,
            # The test stack serves plain HTTP, where a browser would drop a Secure session cookie.
            "HWE_API_SECURE_COOKIES": "false",
            # Every test of a worker signs in from 127.0.0.1 through one API process; the limit is tested on its own.
            "HWE_API_SIGN_IN_PER_MINUTE": "100000",
        }
    )
    return env


@pytest.fixture
def conn(database_url: str) -> Iterator[db.Connection]:
    """An autocommit connection to this worker's database."""
    with db.connect(database_url) as connection:
        yield connection
