"""`hwe migrate`: applies migrations; in development also makes sure the dev tenant and key exist."""

from __future__ import annotations

import logging
from pathlib import Path

from hwe import config, db, errors, migrate, secrets, tenants
from hwe.cli import _database

logger = logging.getLogger(__name__)

DEV_TENANT = "default"


def run(settings: config.Settings) -> None:
    """Applies every pending migration to the configured (or embedded) database."""
    url, _server = _database.resolve(settings)
    migrate_and_bootstrap(settings, url)


def migrate_and_bootstrap(settings: config.Settings, url: str) -> None:
    """Migrates the database; in development, writes a working admin key to `<state_dir>/dev-api-key`."""
    with db.connect(url) as conn:
        applied = migrate.apply_migrations(conn)
        logger.info("migrations applied now: %s", len(applied))
        if not settings.is_production:
            _ensure_dev_key(conn, settings)


def _ensure_dev_key(conn: db.Connection, settings: config.Settings) -> None:
    pepper = secrets.open_secret_provider(settings).get(secrets.API_KEY_PEPPER)
    key_file = settings.state_dir / "dev-api-key"
    if _key_still_valid(conn, key_file, pepper):
        return
    tenants.create_tenant(conn, DEV_TENANT)
    key = tenants.create_api_key(conn, DEV_TENANT, "admin", pepper)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    logger.info("wrote a development admin key for tenant %s to %s", DEV_TENANT, key_file)


def _key_still_valid(conn: db.Connection, key_file: Path, pepper: str) -> bool:
    if not key_file.is_file():
        return False
    try:
        tenants.authenticate(conn, key_file.read_text().strip(), pepper)
    except errors.Unauthorized:
        return False
    return True
