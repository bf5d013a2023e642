"""`hwe audit archive` and `hwe audit export`: the audit trail's DataShard archive, worked on the database side.

Server-side like `hwe backup`: they read the configured database (else the embedded development server) and the
archive at `[audit] archive_path`, never the API. `archive` runs one pass of `hwe.archive` now and prints what it
archived and pruned; `export` prints records as JSON lines, oldest first, from PostgreSQL and the archive alike
(each record once), or with `--as-of` the archive alone as it was at that DataShard snapshot.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any, NoReturn

import psycopg

from hwe import config, db, durations, errors
from hwe.cli import _api, _database

# `hwe.archive` and `hwe.archive_store` are imported where they are used: DataShard and pyarrow take about half a
# second to load, which every other `hwe` command (this module is loaded by the `hwe` parser) would pay too.


def duration(text: str) -> datetime.timedelta:
    """An argparse type: `hwe.durations.parse_duration`, its error as a usage error."""
    try:
        return durations.parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def moment(text: str) -> datetime.datetime:
    """An argparse type: an ISO 8601 time, UTC when it has no offset (a date alone is its midnight)."""
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from err
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def run_uuid(text: str) -> uuid.UUID:
    """An argparse type: a workflow run id."""
    try:
        return uuid.UUID(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a workflow run id (a UUID)") from err


def run_archive(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one archive pass and prints each day it worked on, then a summary; exits 1 when another pass runs."""
    from hwe import archive, archive_store

    older_than: datetime.timedelta = settings.audit_archive_after if args.older_than is None else args.older_than
    location = archive_store.location(settings)
    with _connect(settings, "archive") as conn:
        try:
            result = archive.run_archive_pass(conn, location, older_than)
        except (errors.ArchiveMismatch, psycopg.Error) as err:  # the archive disagrees, or the database refused a step
            _fail("archive", f"{type(err).__name__}: {err}; nothing unverified was pruned")
    if result.busy:
        _fail("archive", "another archive pass is running; try again when it has finished")
    for day in result.days:
        _api.result(
            f"{day.day}: {day.appended} record(s) archived, {day.verified} verified in the archive, "
            f"{day.kept} kept in PostgreSQL, "
            + ("partition dropped" if day.pruned else "no partition dropped")
            + (f", snapshot {day.snapshot_id}" if day.snapshot_id is not None else "")
        )
    if not result.days:
        _api.result(f"nothing to archive before {result.first_day_kept}")
    else:
        _api.result(
            f"archived {len(result.days)} day(s) before {result.first_day_kept}: {result.records_archived} "
            f"record(s) appended, {result.days_pruned} partition(s) dropped, snapshot {result.snapshot_id}"
        )
    _api.note(f"archive: {location}")
    return _finish(location, 0)


def run_export(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the matching records as JSON lines, oldest first; exits 1 for an unknown snapshot."""
    from hwe import archive_store

    location = archive_store.location(settings)
    filters: dict[str, Any] = {"workflow_run_id": args.workflow_run_id, "start": args.since, "end": args.until}
    try:
        if args.as_of is not None:
            records = archive_store.read_records(location, snapshot_id=args.as_of, **filters)
        else:
            with _connect(settings, "export") as conn:
                params = {"workflow_run_id": args.workflow_run_id, "since": args.since, "until": args.until}
                in_postgres = db.execute(conn, "list_export_records", params)
            known = {row["event_id"] for row in in_postgres}
            archived = archive_store.read_records(location, **filters)
            records = in_postgres + [row for row in archived if row["event_id"] not in known]
    except ValueError as err:  # an unknown or expired snapshot, or no archive to travel in
        _fail("export", str(err))
    records.sort(key=lambda row: (row["created_at"], row["event_id"]))
    for row in records:
        _api.result(json.dumps(_exported(row), sort_keys=True, ensure_ascii=False))
    return _finish(location, 0)


def _finish(location: str, status: int) -> int:
    """Returns the status; after reading an S3 archive, exits with it at once, skipping the interpreter's teardown.

    On S3, DataShard has pyarrow read parquet through Python file objects, and pyarrow can abort the process while
    the interpreter tears down ("terminate called without an active exception", apache/arrow#34314), after all the
    work is done and printed: the command would report exit -6 for a pass or an export that succeeded. Everything
    is written and flushed before the exit; nothing else is left to clean up (the connection is closed).
    """
    if "://" not in location:
        return status
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _exported(row: db.Row) -> dict[str, Any]:
    return {
        "event_id": row["event_id"],
        "workflow_run_id": None if row["workflow_run_id"] is None else str(row["workflow_run_id"]),
        "tenant_id": row["tenant_id"],
        "event_type": row["event_type"],
        "run_id": None if row["run_id"] is None else str(row["run_id"]),
        "detail": row["detail"],
        "created_at": row["created_at"].astimezone(datetime.UTC).isoformat(),
    }


@contextlib.contextmanager
def _connect(settings: config.Settings, action: str) -> Iterator[db.Connection]:
    try:
        url, _server = _database.resolve(settings)  # the embedded server (if any) stops when this process exits
    except (OSError, RuntimeError, subprocess.SubprocessError) as err:
        _fail(action, f"cannot start the embedded PostgreSQL: {type(err).__name__}: {err}")
    try:
        conn = db.connect(url)
    except psycopg.Error as err:
        _fail(action, f"cannot connect to the database: {err}")
    with conn:  # the generator's frame holds `_server` until the command is done with the database
        yield conn


def _fail(action: str, message: str) -> NoReturn:
    _api.fail(f"audit {action}", message)
    raise SystemExit(1)  # not reached: fail exits
