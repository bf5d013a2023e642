"""The DataShard table holding the archived audit trail: its schema, its records, reading them and appending.

`hwe.archive` appends to it (one commit per archived day) and checks what it wrote; `hwe.audit` (the API) and
`hwe audit export` read it. A record has the fields of `hwe.event_log`, ids and the detail as text, and the table is
partitioned by tenant and UTC day. Rows come back in the shape of an event_log row (UUIDs, the detail as a dict,
aware UTC times), so readers merge both stores with one code path. Touches no database.

The table is a local directory or, in DataShard's S3 mode, a key prefix in a bucket: `s3://BUCKET/PREFIX`, with
`DATASHARD_STORAGE_TYPE=s3`, `DATASHARD_S3_BUCKET=BUCKET`, the endpoint and the credentials in DataShard's
`DATASHARD_S3_*` environment (tests/integration/audit/test_archive_s3.py runs it against moto's S3 server).
"""

from __future__ import annotations

import atexit
import datetime
import functools
import gc
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datashard

from hwe import config, errors

# DataShard attaches a stderr handler of its own at INFO; let its warnings through ours instead.
logging.getLogger("datashard").handlers.clear()
logging.getLogger("datashard").setLevel(logging.WARNING)

# A record's fields, in the table's order: what event_log had at 0.1.00 (workflow_run_id may be NULL since 0.1.90).
FIELDS = ("event_id", "workflow_run_id", "tenant_id", "event_type", "run_id", "detail", "created_at")
_TYPES = ("long", "string", "string", "string", "string", "string", "timestamptz")
_REQUIRED = (True, False, True, True, False, True, True)
_ONE_MICROSECOND = datetime.timedelta(microseconds=1)

Row = dict[str, Any]


def location(settings: config.Settings) -> str:
    """Where the archive is: `[audit] archive_path`, else `<state_dir>/archive`; local paths made absolute.

    Raises:
        errors.ConfigError: the location and DataShard's environment disagree (see `_datashard_path`).
    """
    raw = settings.audit_archive_path or str(settings.state_dir / "archive")
    where = raw if "://" in raw else str(Path(raw).absolute())
    _datashard_path(where)  # a misconfigured S3 archive fails at start, not at the first pass
    return where


def open_table(where: str, *, create: bool = False) -> datashard.Table | None:
    """Opens the archive table at `where`; None when there is none yet and `create` is false.

    Raises:
        datashard.SchemaMismatchError: `where` holds a table with other columns.
    """
    path = _datashard_path(where)
    local = "://" not in where
    if not local:
        _collect_before_exit()
    if create:
        if local:
            Path(where).mkdir(parents=True, exist_ok=True, mode=0o700)
        return datashard.create_table(path, _schema(), _partition_spec())
    if local and not Path(where).is_dir():
        return None
    try:
        return datashard.load_table(path)
    except ValueError:  # no table there yet (on S3: no metadata under the prefix)
        return None


@functools.cache
def _collect_before_exit() -> None:
    """Frees the scans' pyarrow objects while the interpreter still runs, once, at exit.

    On S3, DataShard has pyarrow read parquet through a Python file object. Left for the interpreter's final teardown,
    some of them abort the process ("terminate called without an active exception", exit -6) after all its work
    (apache/arrow#34314). Measured on a busy machine: 4 in 105 reads aborted without this, 1 in 240 with it.
    """
    atexit.register(gc.collect)


def _datashard_path(where: str) -> str:
    """The table path DataShard expects for `where`: the directory itself, or the key prefix of `s3://BUCKET/PREFIX`.

    DataShard picks its backend from its environment alone and takes the bucket from `DATASHARD_S3_BUCKET`, so the two
    must agree: otherwise a local archive would silently go to S3, or an S3 location to a local directory named `s3:`.

    Raises:
        errors.ConfigError: they disagree, or the scheme is not s3.
    """
    s3_mode = os.environ.get("DATASHARD_STORAGE_TYPE", "local").lower() == "s3"
    if "://" not in where:
        if s3_mode:
            raise errors.ConfigError(f"the audit archive {where} is a local directory but DATASHARD_STORAGE_TYPE=s3")
        return where
    scheme, _, rest = where.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not bucket:
        raise errors.ConfigError(f"the audit archive {where} is neither a local directory nor s3://BUCKET/PREFIX")
    if not s3_mode or os.environ.get("DATASHARD_S3_BUCKET") != bucket:
        raise errors.ConfigError(
            f"the audit archive {where} needs DATASHARD_STORAGE_TYPE=s3 and DATASHARD_S3_BUCKET={bucket}"
        )
    if os.environ.get("DATASHARD_S3_PREFIX"):
        # DataShard would put the table under DATASHARD_S3_PREFIX/PREFIX, which is not the location configured.
        raise errors.ConfigError(f"the audit archive {where} names its prefix itself: unset DATASHARD_S3_PREFIX")
    return prefix.strip("/")


def append(table: datashard.Table, rows: Iterable[Row]) -> int:
    """Appends event_log rows in one DataShard commit and returns the table's snapshot after it."""
    records = [_archived(row) for row in rows]
    with table.new_transaction() as tx:
        tx.append_data(records)
        tx.commit()
    snapshot = current_snapshot_id(table)
    if snapshot is None:
        raise errors.ArchiveMismatch("the archive has no snapshot after a commit")
    return snapshot


def current_snapshot_id(table: datashard.Table) -> int | None:
    """The table's current snapshot id (None for a table without commits)."""
    snapshot = table.current_snapshot()
    return None if snapshot is None else int(snapshot.snapshot_id)


def read(
    table: datashard.Table,
    *,
    snapshot_id: int | None = None,
    tenant_id: str | None = None,
    workflow_run_id: uuid.UUID | None = None,
    event_id: int | None = None,
    event_type: str | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> list[Row]:
    """Reads the records that match every filter given (start and end inclusive), in no particular order.

    Args:
        table: the archive table.
        snapshot_id: read the table as it was at this snapshot (time travel); default the current one.
        tenant_id, workflow_run_id, event_id, event_type, start, end: the filters; None: no filter.

    Raises:
        ValueError: no snapshot with that id (never committed, or expired).
    """
    where: dict[str, Any] = {}
    if tenant_id is not None:
        where["tenant_id"] = tenant_id
    if workflow_run_id is not None:
        where["workflow_run_id"] = str(workflow_run_id)
    if event_id is not None:
        where["event_id"] = event_id
    if event_type is not None:
        where["event_type"] = event_type
    if start is not None and end is not None:
        where["created_at"] = ("between", (start, end))
    elif start is not None:
        where["created_at"] = (">=", start)
    elif end is not None:
        where["created_at"] = ("<=", end)
    found = table.scan(filter=where or None, snapshot_id=snapshot_id)
    return [_row(record) for record in found]


def read_day(table: datashard.Table, day: datetime.date, snapshot_id: int | None = None) -> list[Row]:
    """Every record of one UTC day (a filtered scan, pruned to the day's partitions)."""
    start, end = day_bounds(day)
    return read(table, snapshot_id=snapshot_id, start=start, end=end - _ONE_MICROSECOND)


def read_records(where: str, **filters: Any) -> list[Row]:
    """Like `read`, on the archive at `where`; no records when there is no archive yet (unless a snapshot is named).

    Raises:
        ValueError: a snapshot is named but there is no archive, or no such snapshot.
    """
    table = open_table(where)
    if table is None:
        if filters.get("snapshot_id") is not None:
            raise ValueError(f"there is no archive at {where}")
        return []
    return read(table, **filters)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC day as [start, end): the bounds of its event_log partition."""
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=1)


def digest(row: Row) -> bytes:
    """The sha256 of one record's canonical form: the same for a row of PostgreSQL and its copy in the archive."""
    created = row["created_at"].astimezone(datetime.UTC).isoformat(timespec="microseconds")
    canonical = [
        row["event_id"],
        _text(row["workflow_run_id"]),
        row["tenant_id"],
        row["event_type"],
        _text(row["run_id"]),
        _detail_text(row["detail"]),
        created,
    ]
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":"), ensure_ascii=False).encode()).digest()


def checksum(rows: Iterable[Row]) -> str:
    """The sha256, in hex, of the records' digests in event id order: equal sets of records give equal checksums."""
    ordered = sorted(rows, key=lambda row: int(row["event_id"]))
    return hashlib.sha256(b"".join(digest(row) for row in ordered)).hexdigest()


def _archived(row: Row) -> Row:
    """An event_log row as an archive record."""
    return {
        "event_id": int(row["event_id"]),
        "workflow_run_id": _text(row["workflow_run_id"]),
        "tenant_id": row["tenant_id"],
        "event_type": row["event_type"],
        "run_id": _text(row["run_id"]),
        "detail": _detail_text(row["detail"]),
        "created_at": row["created_at"].astimezone(datetime.UTC),
    }


def _row(record: Row) -> Row:
    """An archive record in the shape of an event_log row."""
    return {
        "event_id": int(record["event_id"]),
        "workflow_run_id": _uuid(record["workflow_run_id"]),
        "tenant_id": record["tenant_id"],
        "event_type": record["event_type"],
        "run_id": _uuid(record["run_id"]),
        "detail": json.loads(record["detail"]),
        "created_at": record["created_at"].astimezone(datetime.UTC),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _detail_text(detail: Any) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _schema() -> datashard.Schema:
    fields = [
        {"id": index, "name": name, "type": kind, "required": required}
        for index, (name, kind, required) in enumerate(zip(FIELDS, _TYPES, _REQUIRED, strict=True), start=1)
    ]
    return datashard.Schema(schema_id=1, fields=fields)


def _partition_spec() -> datashard.PartitionSpec:
    # Iceberg numbers partition fields from 1000; source ids are the schema's field ids (tenant_id 3, created_at 7).
    by_tenant = datashard.PartitionField(source_id=3, field_id=1000, name="tenant_id", transform="identity")
    by_day = datashard.PartitionField(source_id=7, field_id=1001, name="created_at_day", transform="day")
    return datashard.PartitionSpec(spec_id=0, fields=[by_tenant, by_day])
