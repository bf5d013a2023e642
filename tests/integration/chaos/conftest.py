"""A database of the test's own, so that ending every connection to it touches no other test's services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from hwe import embedded
from tests.conftest import _FileLock, _shared_root, create_database


@pytest.fixture
def own_database_url(postgres_server: Any, worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for this test alone; dropped after it."""
    name = f"hwe_storm_{uuid.uuid4().hex[:12]}"
    # Cloning needs the template to have no other session; the lock serializes the workers.
    with _FileLock(_shared_root(tmp_path_factory, worker_id) / "postgres.lock"):
        url = create_database(postgres_server, name)
    yield url
    with psycopg.connect(embedded.server_url(postgres_server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_connections(url: str) -> int:
    """Ends every other session on the database `url` names, as an operator's pg_terminate_backend would."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchone()
    assert row is not None
    return int(row[0])
