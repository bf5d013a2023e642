"""One pass of the audit archive: whole UTC days of `hwe.event_log` copied to DataShard, verified, then dropped.

Called by `hwe audit archive` and by the audit service's timer; `hwe.archive_store` owns the DataShard table. A day
is archived once it ended `GRACE` before the cutoff (now minus `older_than`), so no transaction can still be
committing rows into it. Each day is one batch and one DataShard commit, which appends only the records the archive
does not hold yet; the day is then read back by a filtered scan and every record must be there, identical (count
and checksum), before `hwe.event_log_archive` records it and its partition is dropped. A crash anywhere in between
leaves a day that the next pass finishes without appending anything twice. No record is ever deleted alone: rows of
a day that sit in the DEFAULT partition are archived and stay. Takes an autocommit connection and opens its own
transactions (a pass spans commits in two stores), like `hwe.migrate`; it is not the reader (`hwe.audit` is).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections import Counter, defaultdict

import psycopg

from hwe import archive_store, db, errors

logger = logging.getLogger(__name__)

# A day is archived only once it ended this long before the cutoff: longer than a transaction appending to it lasts.
GRACE = datetime.timedelta(minutes=5)
# How many days ahead the audit service keeps event_log partitions created.
PARTITION_DAYS_AHEAD = 7
# A fixed, arbitrary key for pg_try_advisory_lock: one archive pass at a time, whichever process runs it.
ARCHIVE_LOCK_KEY = 0x4857_4152_4348


@dataclasses.dataclass(frozen=True)
class DayResult:
    """What a pass did with one UTC day."""

    day: datetime.date
    appended: int  # records appended by this pass (0 when the archive held them all already)
    verified: int  # records of the day the archive holds, read back and checked
    kept: int  # of the day's records still in PostgreSQL, those in the DEFAULT partition (they stay)
    partition_rows: int  # of them, those in the day's partition (dropped with it)
    snapshot_id: int | None  # the DataShard snapshot verified (None: the day had no records)
    pruned: bool = False  # the day's partition was dropped


@dataclasses.dataclass(frozen=True)
class PassResult:
    """What one archive pass did; `busy` when another pass held the lock, so this one did nothing."""

    busy: bool
    first_day_kept: datetime.date | None = None
    days: tuple[DayResult, ...] = ()

    @property
    def records_archived(self) -> int:
        """Records appended to the archive by this pass."""
        return sum(day.appended for day in self.days)

    @property
    def days_pruned(self) -> int:
        """Days whose partition this pass dropped."""
        return sum(day.pruned for day in self.days)

    @property
    def snapshot_id(self) -> int | None:
        """The archive's snapshot after the pass (None when no day had records)."""
        return next((day.snapshot_id for day in reversed(self.days) if day.snapshot_id is not None), None)


def ensure_partitions(conn: db.Connection, days_ahead: int = PARTITION_DAYS_AHEAD) -> int:
    """Creates the event_log partitions of today (UTC) and the next `days_ahead` days; returns how many it created."""
    created: int = db.execute(conn, "ensure_event_log_partitions", {"days_ahead": days_ahead})[0]["created"]
    return created


def run_archive_pass(conn: db.Connection, location: str, older_than: datetime.timedelta) -> PassResult:
    """Archives and prunes every day that ended `older_than` (plus `GRACE`) ago, oldest first.

    Args:
        conn: an autocommit connection; the pass's advisory lock is held on it while it runs.
        location: the archive table (`archive_store.location`).
        older_than: how old a day must be; `0s` archives every day before today.

    Raises:
        ArchiveMismatch: the archive disagrees with PostgreSQL about a record; nothing of that day is pruned.
    """
    if not db.execute(conn, "acquire_archive_lock", {"lock_key": ARCHIVE_LOCK_KEY})[0]["locked"]:
        return PassResult(busy=True)
    try:
        horizon = {"older_than": older_than, "grace": GRACE}
        first_day_kept: datetime.date = db.execute(conn, "archive_horizon", horizon)[0]["first_day_kept"]
        days = [row["day"] for row in db.execute(conn, "list_archive_days", {"before_day": first_day_kept})]
        done = []
        for day in days:
            result = archive_day(conn, location, day)
            try:
                with conn.transaction():
                    pruned = prune_day(conn, day, result.partition_rows)
            except psycopg.errors.LockNotAvailable:  # event_log stayed busy for the lock timeout: prune next pass
                logger.warning("archive: day %s is archived but its partition was not dropped (lock timeout)", day)
                pruned = False
            done.append(dataclasses.replace(result, pruned=pruned))
            logger.info(
                "archive: day %s, %s appended, %s verified, pruned %s", day, result.appended, result.verified, pruned
            )
        return PassResult(busy=False, first_day_kept=first_day_kept, days=tuple(done))
    finally:
        db.execute(conn, "release_archive_lock", {"lock_key": ARCHIVE_LOCK_KEY})


def archive_day(conn: db.Connection, location: str, day: datetime.date) -> DayResult:
    """The archive step of one day: appends what the archive lacks (one commit), reads it back, records it.

    Does not prune. Safe to repeat: a day the archive holds already appends nothing.

    Raises:
        ArchiveMismatch: the archive holds a record twice, or unlike PostgreSQL's, or lacks one after the commit.
    """
    start, end = archive_store.day_bounds(day)
    rows = db.execute(conn, "list_archive_day_records", {"day_start": start, "day_end": end})
    if not rows:  # an empty partition: nothing to archive, and it is dropped as it is
        return DayResult(day, appended=0, verified=0, kept=0, partition_rows=0, snapshot_id=None)
    table = archive_store.open_table(location, create=True)
    in_postgres = {row["event_id"]: row for row in rows}
    archived = _by_event_id(archive_store.read_day(table, day), day)
    _check_identical(in_postgres, archived, day, require_all=False)
    missing = [row for event_id, row in in_postgres.items() if event_id not in archived]
    if missing:
        archive_store.append(table, missing)
    snapshot_id = archive_store.current_snapshot_id(table)
    read_back = _by_event_id(archive_store.read_day(table, day, snapshot_id), day)
    _check_identical(in_postgres, read_back, day, require_all=True)
    appended_back = [read_back[row["event_id"]] for row in missing]
    if archive_store.checksum(appended_back) != archive_store.checksum(missing):
        raise errors.ArchiveMismatch(f"the records of {day} read back from the archive differ from those appended")
    _record_day(conn, day, list(read_back.values()), rows, snapshot_id)
    kept = sum(1 for row in rows if row["in_default"])
    return DayResult(
        day,
        appended=len(missing),
        verified=len(read_back),
        kept=kept,
        partition_rows=len(rows) - kept,
        snapshot_id=snapshot_id,
    )


def prune_day(conn: db.Connection, day: datetime.date, partition_rows: int) -> bool:
    """The prune step of one archived day: drops its partition if it holds exactly the `partition_rows` verified.

    Runs in the caller's transaction, which it leaves holding ACCESS EXCLUSIVE on event_log; returns whether it
    dropped the partition (False: there is none, or rows arrived since the archive step, to archive next pass).
    """
    dropped: bool = db.execute(conn, "drop_event_log_partition", {"day": day, "expected_rows": partition_rows})[0][
        "dropped"
    ]
    if dropped:
        db.execute(conn, "mark_day_pruned", {"day": day})
    return dropped


def _by_event_id(rows: list[db.Row], day: datetime.date) -> dict[int, db.Row]:
    found: dict[int, db.Row] = {}
    for row in rows:
        if row["event_id"] in found:
            raise errors.ArchiveMismatch(f"the archive holds the record {row['event_id']} of {day} twice")
        found[row["event_id"]] = row
    return found


def _check_identical(
    in_postgres: dict[int, db.Row], archived: dict[int, db.Row], day: datetime.date, *, require_all: bool
) -> None:
    for event_id, row in in_postgres.items():
        copy = archived.get(event_id)
        if copy is None:
            if require_all:
                raise errors.ArchiveMismatch(f"the archive lacks the record {event_id} of {day} after its commit")
            continue
        if archive_store.digest(copy) != archive_store.digest(row):
            raise errors.ArchiveMismatch(f"the archive's record {event_id} of {day} differs from PostgreSQL's")


def _record_day(
    conn: db.Connection, day: datetime.date, archived: list[db.Row], rows: list[db.Row], snapshot_id: int | None
) -> None:
    by_tenant: defaultdict[str, list[db.Row]] = defaultdict(list)
    for row in archived:
        by_tenant[row["tenant_id"]].append(row)
    kept = Counter(row["tenant_id"] for row in rows if row["in_default"])
    tenants = sorted(by_tenant)
    db.execute(
        conn,
        "record_archived_day",
        {
            "day": day,
            "snapshot_id": snapshot_id,
            "tenant_ids": tenants,
            "record_counts": [len(by_tenant[tenant]) for tenant in tenants],
            "checksums": [archive_store.checksum(by_tenant[tenant]) for tenant in tenants],
            "kept_rows": [kept[tenant] for tenant in tenants],
        },
    )
