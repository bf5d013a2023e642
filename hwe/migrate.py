"""Applies `hwe/migrations/highway_<version>_<description>.sql` files in version order.

Called by `hwe migrate` and `hwe up`. Holds a session advisory lock for the whole run, so two
processes migrating at once apply each file exactly once. Each file runs in its own transaction
together with its row in `hwe.schema_migrations`. Does not create tenants or keys.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from hwe import db, errors

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# A fixed, arbitrary key for pg_advisory_lock; every engine process uses the same one.
MIGRATION_LOCK_KEY = 0x4857_4D49_4752
_FILENAME = re.compile(r"^highway_(\d+(?:\.\d+)*)_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: str
    path: Path

    @property
    def sort_key(self) -> tuple[int, ...]:
        """The version as numbers, so 0.10 sorts after 0.9."""
        return tuple(int(part) for part in self.version.split("."))


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Lists the migration files in version order.

    Raises:
        ValueError: a .sql file does not follow the naming scheme, or two files share a version.
    """
    migrations = []
    for path in directory.glob("*.sql"):
        match = _FILENAME.match(path.name)
        if match is None:
            raise ValueError(f"migration {path.name} is not named highway_<version>_<description>.sql")
        migrations.append(Migration(match.group(1), path))
    migrations.sort(key=lambda m: m.sort_key)
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration files share a version")
    return migrations


def apply_migrations(conn: db.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Applies every migration not yet recorded; returns the versions applied now.

    Args:
        conn: an autocommit connection; the advisory lock is held on it for the whole run.
        directory: where the migration files are.
    """
    pending = discover(directory)
    db.execute(conn, "acquire_migration_lock", {"lock_key": MIGRATION_LOCK_KEY})
    try:
        db.execute(conn, "ensure_engine_schema")
        db.execute(conn, "ensure_schema_migrations")
        applied = _applied_versions(conn)
        done = []
        for migration in pending:
            if migration.version in applied:
                continue
            with conn.transaction():
                conn.execute(sql.SQL(migration.path.read_text()))
                db.execute(conn, "record_migration", {"version": migration.version, "filename": migration.path.name})
            logger.info("applied migration %s", migration.version)
            done.append(migration.version)
        return done
    finally:
        db.execute(conn, "release_migration_lock", {"lock_key": MIGRATION_LOCK_KEY})


def missing_migrations(conn: db.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Returns the versions this code knows that the database has not applied (empty: the schema is current).

    Versions applied but unknown here (a newer release migrated first, as in a rolling upgrade) do not count: the
    migrations are additive, so older code keeps working on a newer schema.
    """
    known = [migration.version for migration in discover(directory)]
    try:
        applied = _applied_versions(conn)
    except psycopg.errors.UndefinedTable:  # not migrated at all yet
        return known
    return [version for version in known if version not in applied]


def _applied_versions(conn: db.Connection) -> set[str]:
    return {row["version"] for row in db.execute(conn, "list_applied_migrations")}


def grant_service_role(conn: db.Connection, role: str) -> None:
    """Grants `role` (the services' login role) the engine's privileges; the trail stays append-only for it.

    Run as the schema's owner after every migration, since later migrations may add tables.

    Raises:
        ConfigError: the role does not exist.
    """
    try:
        db.execute(conn, "grant_service_role", {"role": role})
    except psycopg.errors.UndefinedObject as err:
        raise errors.ConfigError(f"there is no database role {role!r}: create it first (CREATE ROLE … LOGIN)") from err
    logger.info("granted the service privileges to role %s", role)
