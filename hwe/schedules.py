"""Cron schedules of a tenant's workflow, and firing the due ones exactly once.

Called by the API and the CLI to create, read, change, pause, resume and delete a tenant's
schedules, and by the scheduler service, which calls `fire_due_schedule` in a loop (the API's scan,
`scan_due_schedules`, does the same for one tenant on request). Fire times and
the catch-up decision come from `hwe.cadence`. Replicas claim a due schedule with `FOR UPDATE SKIP
LOCKED`: two never fire the same schedule at once and neither waits for the other (a plain `FOR
UPDATE` would queue every replica behind one). The primary key of `hwe.schedule_fire` then makes each
fire time create at most one run, across replicas and restarts. Does not run workflows: a fire submits one.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psycopg.types.json import Jsonb

from hwe import cadence, db, errors, interpreter, runs, tenants

MAX_NAME_CHARS = 200
_TICK = timedelta(microseconds=1)
_CHANGEABLE = frozenset(("cron", "timezone", "definition", "inputs", "start_date", "catchup", "max_active_runs"))


@dataclass(frozen=True)
class Fire:
    """One fire time that created (or found) a workflow run."""

    fire_time: datetime
    workflow_run_id: uuid.UUID


@dataclass(frozen=True)
class ScheduleFiring:
    """What one claim of a due schedule did."""

    schedule_id: uuid.UUID
    now: datetime
    fired: list[Fire]
    skipped_max_active: list[datetime]


def create_schedule(
    conn: db.Connection,
    tenant_id: str,
    *,
    name: str,
    cron: str,
    definition: Any,
    inputs: Any = None,
    timezone: str = "UTC",
    start_date: datetime | None = None,
    catchup: str = "latest",
    max_active_runs: int = 1,
    is_paused: bool = False,
) -> db.Row:
    """Creates a schedule of a workflow definition for a tenant and returns its row.

    The first fire time is the first one at or after `start_date` (or now, without one); a
    start date in the past makes the catch-up policy decide what the first scheduler tick fires.

    Raises:
        InvalidSchedule: a schedule field cannot be used.
        InvalidWorkflow: the definition cannot run.
        ScheduleExists: the tenant has a schedule of that name.
    """
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS:
        raise errors.InvalidSchedule(f"name must be 1 to {MAX_NAME_CHARS} characters")
    now = _read_schedule_clock(conn)
    fields = _checked_fields(
        {
            "cron": cron,
            "timezone": timezone,
            "definition": definition,
            "inputs": {} if inputs is None else inputs,
            "start_date": start_date,
            "catchup": catchup,
            "max_active_runs": max_active_runs,
        },
        created_at=now,
    )
    when = _cadence_of(fields, now)
    rows = db.execute(
        conn,
        "create_schedule",
        {
            **_sql_fields(fields),
            "schedule_id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "name": name,
            "is_paused": bool(is_paused),
            "next_fire_at": when.next_after(when.anchor - _TICK),
            "now": now,
        },
    )
    if not rows:
        raise errors.ScheduleExists(f"tenant {tenant_id} already has a schedule named {name!r}")
    return rows[0]


def create_schedule_from_definition(
    conn: db.Connection,
    tenant_id: str,
    definition: Mapping[str, Any],
    *,
    name: str | None = None,
    inputs: Any = None,
    timezone: str = "UTC",
) -> db.Row:
    """Creates a schedule from a highway_dsl definition's own scheduling fields.

    Reads `schedule` (cron, or the Driver SDK's `@every Ns`), `start_date` (a naive one is read in
    `timezone`), `catchup` (true = `all`, false = `latest`, or a policy name), `is_paused` and
    `max_active_runs`. The schedule is named after the workflow unless `name` is given.

    Raises:
        InvalidSchedule: the definition has no schedule, or a scheduling field cannot be used.
        InvalidWorkflow: the definition cannot run.
        ScheduleExists: the tenant has a schedule of that name.
    """
    if not isinstance(definition, Mapping) or not definition.get("schedule"):
        raise errors.InvalidSchedule("the workflow definition has no 'schedule'")
    return create_schedule(
        conn,
        tenant_id,
        name=name if name is not None else str(definition.get("name", "")),
        cron=definition["schedule"],
        definition=dict(definition),
        inputs=inputs,
        timezone=timezone,
        start_date=_dsl_start_date(definition.get("start_date"), timezone),
        catchup=_dsl_catchup(definition.get("catchup", False)),
        max_active_runs=definition.get("max_active_runs", 1),
        is_paused=_dsl_flag(definition.get("is_paused", False), "is_paused"),
    )


def get_schedule(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID) -> db.Row:
    """Returns one of the tenant's schedules.

    Raises:
        ScheduleNotFound: no such schedule for this tenant.
    """
    rows = db.execute(conn, "get_schedule", {"tenant_id": tenant_id, "schedule_id": schedule_id})
    if not rows:
        raise errors.ScheduleNotFound(f"schedule {schedule_id} not found")
    return rows[0]


def list_schedules(conn: db.Connection, tenant_id: str) -> list[db.Row]:
    """Returns the tenant's schedules, by name."""
    return db.execute(conn, "list_schedules", {"tenant_id": tenant_id})


def update_schedule(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID, **changes: Any) -> db.Row:
    """Changes a schedule's cron, timezone, definition, inputs, start_date, catchup or max_active_runs.

    A change of cron, timezone or start_date moves the next fire time to the first one after now
    (or at the start date); fire times already handled are never fired again.

    Raises:
        ValueError: a change names a field that cannot be changed.
        InvalidSchedule, InvalidWorkflow: the changed schedule cannot be used.
        ScheduleNotFound: no such schedule for this tenant.
    """
    unknown = sorted(set(changes) - _CHANGEABLE)
    if unknown:
        raise ValueError(f"cannot change {', '.join(unknown)}")
    with conn.transaction():
        row = _lock_schedule(conn, tenant_id, schedule_id)
        fields = _checked_fields({**{key: row[key] for key in _CHANGEABLE}, **changes}, created_at=row["created_at"])
        next_fire_at = row["next_fire_at"]
        if any(fields[key] != row[key] for key in ("cron", "timezone", "start_date")):
            next_fire_at = _cadence_of(fields, row["created_at"]).next_after(_read_schedule_clock(conn))
        return _update_schedule(conn, row, fields, is_paused=row["is_paused"], next_fire_at=next_fire_at)


def pause_schedule(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID) -> db.Row:
    """Pauses a schedule: it fires nothing until resumed.

    Raises:
        ScheduleNotFound: no such schedule for this tenant.
    """
    with conn.transaction():
        row = _lock_schedule(conn, tenant_id, schedule_id)
        fields = {key: row[key] for key in _CHANGEABLE}
        return _update_schedule(conn, row, fields, is_paused=True, next_fire_at=row["next_fire_at"])


def resume_schedule(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID) -> db.Row:
    """Resumes a paused schedule from now on: fire times that passed while it was paused do not fire.

    Raises:
        ScheduleNotFound: no such schedule for this tenant.
    """
    with conn.transaction():
        row = _lock_schedule(conn, tenant_id, schedule_id)
        if not row["is_paused"]:
            return row
        fields = {key: row[key] for key in _CHANGEABLE}
        next_fire_at = _cadence_of(fields, row["created_at"]).next_after(_read_schedule_clock(conn))
        return _update_schedule(conn, row, fields, is_paused=False, next_fire_at=next_fire_at)


def delete_schedule(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID) -> None:
    """Deletes a schedule and its fire records; the runs it created stay.

    Raises:
        ScheduleNotFound: no such schedule for this tenant.
    """
    if not db.execute(conn, "delete_schedule", {"tenant_id": tenant_id, "schedule_id": schedule_id}):
        raise errors.ScheduleNotFound(f"schedule {schedule_id} not found")


def fire_due_schedule(
    conn: db.Connection,
    *,
    exclude: Collection[uuid.UUID],
    misfire_grace: timedelta,
    max_attempts: int,
    tenant_id: str | None = None,
) -> ScheduleFiring | None:
    """Claims one due schedule and fires it, in one transaction; None when no schedule is due.

    Each fire time to fire gets a `hwe.schedule_fire` row and, unless `max_active_runs` of the
    schedule's runs are still active, a workflow run submitted for the schedule's tenant with the
    idempotency key `schedule:<schedule_id>:<fire time>`.

    Args:
        conn: an autocommit connection; this function owns the transaction (a savepoint inside the
            caller's, when it has one).
        exclude: schedules not to claim (the caller's failed ones this tick).
        misfire_grace: see `cadence.plan_fires`.
        max_attempts: attempts of each submitted run's root task.
        tenant_id: claim only this tenant's schedules (the API's scan); None: any tenant's (the scheduler).

    Raises:
        ScheduleFireFailed: the schedule's definition or inputs no longer run; nothing was written.
    """
    with conn.transaction():
        if tenant_id is None:
            rows = db.execute(conn, "claim_due_schedule", {"exclude": list(exclude)})
        else:
            rows = db.execute(conn, "claim_tenant_due_schedule", {"tenant_id": tenant_id, "exclude": list(exclude)})
        if not rows:
            return None
        row = rows[0]
        try:
            return _fire(conn, row, misfire_grace, max_attempts)
        except errors.HighwayError as err:
            raise errors.ScheduleFireFailed(str(row["schedule_id"]), str(err)) from err


@dataclass(frozen=True)
class Scan:
    """What one scan of a tenant's due schedules did: its firings, and the schedules that failed to fire."""

    firings: list[ScheduleFiring]
    failed: list[errors.ScheduleFireFailed]
    more_due: bool


def scan_due_schedules(
    conn: db.Connection, tenant_id: str, *, misfire_grace: timedelta, max_attempts: int, max_claims: int
) -> Scan:
    """Fires the tenant's due schedules now, as the scheduler would, claiming at most `max_claims` of them.

    Each claim is `fire_due_schedule` (SKIP LOCKED, and the `hwe.schedule_fire` primary key), so a scan
    racing the scheduler or another scan fires every fire time once. A schedule that fails to fire is
    reported and left out of the rest of the scan. `more_due`: the scan stopped at `max_claims`.
    """
    firings: list[ScheduleFiring] = []
    failed: list[errors.ScheduleFireFailed] = []
    excluded: set[uuid.UUID] = set()
    for _ in range(max_claims):
        try:
            firing = fire_due_schedule(
                conn, exclude=excluded, misfire_grace=misfire_grace, max_attempts=max_attempts, tenant_id=tenant_id
            )
        except errors.ScheduleFireFailed as err:
            failed.append(err)
            excluded.add(uuid.UUID(err.schedule_id))
            continue
        if firing is None:
            return Scan(firings, failed, more_due=False)
        firings.append(firing)
        excluded.add(firing.schedule_id)  # fired up to now: a second claim in this scan would fire nothing
    return Scan(firings, failed, more_due=True)


def list_schedule_history(
    conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[db.Row, list[db.Row], int]:
    """The schedule, one page of its handled fire times (newest first, with their runs), and how many there are.

    Raises:
        ScheduleNotFound: no such schedule for this tenant.
    """
    with conn.transaction():  # one snapshot: the page and the total agree
        schedule = get_schedule(conn, tenant_id, schedule_id)
        params = {"schedule_id": schedule_id, "limit": limit, "offset": offset}
        rows = db.execute(conn, "list_schedule_fires", params)
        total: int = db.execute(conn, "count_schedule_fires", {"schedule_id": schedule_id})[0]["total"]
    return schedule, rows, total


def _fire(conn: db.Connection, row: db.Row, misfire_grace: timedelta, max_attempts: int) -> ScheduleFiring:
    now = row["now"]
    plan = cadence.plan_fires(
        _cadence_of(row, row["created_at"]), row["catchup"], row["next_fire_at"], now, misfire_grace=misfire_grace
    )
    fired: list[Fire] = []
    skipped: list[datetime] = []
    active = _count_active_schedule_runs(conn, row["schedule_id"]) if plan.fire_times else 0
    principal = tenants.Principal(tenant_id=row["tenant_id"], role="operator", queue_name=row["queue_name"])
    for fire_time in plan.fire_times:
        state = "fired" if active < row["max_active_runs"] else "skipped_max_active"
        # The primary key (schedule_id, fire_time) refuses a second row for the same fire time,
        # so whoever inserts the row is the only one that submits its run.
        if not _insert_schedule_fire(conn, row["schedule_id"], fire_time, state):
            continue
        if state == "skipped_max_active":
            skipped.append(fire_time)
            continue
        key = f"schedule:{row['schedule_id']}:{fire_time.astimezone(UTC).isoformat()}"
        submission = runs.submit_run(
            conn,
            principal,
            definition=row["definition"],
            inputs=row["inputs"],
            idempotency_key=key,
            request_hash=hashlib.sha256(key.encode()).hexdigest(),
            max_attempts=max_attempts,
        )
        _set_schedule_fire_run(conn, row["schedule_id"], fire_time, submission.workflow_run_id)
        fired.append(Fire(fire_time, submission.workflow_run_id))
        active += 1
    _advance_schedule(conn, row["schedule_id"], plan.next_fire_at)
    return ScheduleFiring(row["schedule_id"], now, fired, skipped)


def _checked_fields(fields: Mapping[str, Any], *, created_at: datetime) -> dict[str, Any]:
    """Validates the changeable fields (and the definition) and returns them normalized."""
    catchup, limit, inputs = fields["catchup"], fields["max_active_runs"], fields["inputs"]
    if catchup not in cadence.CATCHUP_POLICIES:
        raise errors.InvalidSchedule(f"catchup must be one of {', '.join(cadence.CATCHUP_POLICIES)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise errors.InvalidSchedule("max_active_runs must be an integer of at least 1")
    if not isinstance(inputs, dict):
        raise errors.InvalidSchedule("inputs must be a JSON object")
    start_date = fields["start_date"]
    if start_date is not None and (not isinstance(start_date, datetime) or start_date.tzinfo is None):
        raise errors.InvalidSchedule("start_date must be a datetime with a time zone")
    interpreter.check_new_definition(fields["definition"])
    checked = {**fields, "cron": " ".join(str(fields["cron"]).split())}
    _cadence_of(checked, created_at)
    return checked


def _cadence_of(fields: Mapping[str, Any], created_at: datetime) -> cadence.Cadence:
    anchor = fields["start_date"] if fields["start_date"] is not None else created_at
    return cadence.parse_cadence(fields["cron"], fields["timezone"], anchor)


def _dsl_start_date(value: Any, timezone: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as err:
            raise errors.InvalidSchedule(f"start_date {value!r} is not an ISO 8601 date-time") from err
    else:
        raise errors.InvalidSchedule("start_date must be an ISO 8601 date-time")
    if parsed is not None and parsed.tzinfo is None:
        try:
            parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise errors.InvalidSchedule(f"unknown time zone {timezone!r}") from err
    return parsed


def _dsl_catchup(value: Any) -> str:
    # highway_dsl's catchup is a flag, with Airflow's meaning: true backfills every missed fire,
    # false runs only the most recent one.
    if isinstance(value, bool):
        return "all" if value else "latest"
    if value in cadence.CATCHUP_POLICIES:
        return str(value)
    raise errors.InvalidSchedule(f"catchup must be true, false or one of {', '.join(cadence.CATCHUP_POLICIES)}")


def _dsl_flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise errors.InvalidSchedule(f"{field} must be true or false")
    return value


def _sql_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {**fields, "definition": Jsonb(fields["definition"]), "inputs": Jsonb(fields["inputs"])}


def _read_schedule_clock(conn: db.Connection) -> datetime:
    now: datetime = db.execute(conn, "read_schedule_clock")[0]["now"]
    return now


def _lock_schedule(conn: db.Connection, tenant_id: str, schedule_id: uuid.UUID) -> db.Row:
    rows = db.execute(conn, "lock_schedule", {"tenant_id": tenant_id, "schedule_id": schedule_id})
    if not rows:
        raise errors.ScheduleNotFound(f"schedule {schedule_id} not found")
    return rows[0]


def _update_schedule(
    conn: db.Connection, row: db.Row, fields: Mapping[str, Any], *, is_paused: bool, next_fire_at: datetime | None
) -> db.Row:
    params = {
        **_sql_fields(fields),
        "schedule_id": row["schedule_id"],
        "is_paused": is_paused,
        "next_fire_at": next_fire_at,
    }
    return db.execute(conn, "update_schedule", params)[0]


def _count_active_schedule_runs(conn: db.Connection, schedule_id: uuid.UUID) -> int:
    active: int = db.execute(conn, "count_active_schedule_runs", {"schedule_id": schedule_id})[0]["active"]
    return active


def _insert_schedule_fire(conn: db.Connection, schedule_id: uuid.UUID, fire_time: datetime, state: str) -> bool:
    params = {"schedule_id": schedule_id, "fire_time": fire_time, "state": state}
    return bool(db.execute(conn, "insert_schedule_fire", params))


def _set_schedule_fire_run(
    conn: db.Connection, schedule_id: uuid.UUID, fire_time: datetime, workflow_run_id: uuid.UUID
) -> None:
    params = {"schedule_id": schedule_id, "fire_time": fire_time, "workflow_run_id": workflow_run_id}
    db.execute(conn, "set_schedule_fire_run", params)


def _advance_schedule(conn: db.Connection, schedule_id: uuid.UUID, next_fire_at: datetime | None) -> None:
    db.execute(conn, "advance_schedule", {"schedule_id": schedule_id, "next_fire_at": next_fire_at})
