"""Fire times of schedules: pure arithmetic over croniter and zoneinfo, with no database.

Called by `hwe.schedules` to find a schedule's next fire time and to decide, with its catch-up
policy, which due fire times to fire now; tests call it with fixed datetimes. Cron fields are read
as wall-clock time in the schedule's time zone: croniter and zoneinfo handle DST gaps and overlaps.
Does not know about rows, runs or locks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import croniter

from hwe import errors

CATCHUP_POLICIES = ("all", "latest", "skip")
# A long outage of an `all` schedule is caught up in bounded transactions of this many fires.
MAX_FIRES_PER_CLAIM = 100
_EVERY = re.compile(r"^@every\s+(\d+)([smh])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Cadence:
    """When a schedule fires: a cron expression in a time zone, or `@every <n>s|m|h` from the anchor.

    `anchor` is the start date (or the creation time): nothing fires before it, and interval
    schedules fire at anchor + k * interval.
    """

    expression: str
    timezone: str
    anchor: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after `moment` (and not before the anchor); None if there is none."""
        moment = max(moment, self.anchor - _TICK)
        interval = _interval(self.expression)
        if interval is not None:
            if moment < self.anchor:
                return self.anchor
            return self.anchor + ((moment - self.anchor) // interval + 1) * interval
        return self._cron_step(moment, backwards=False)

    def latest_at_or_before(self, moment: datetime) -> datetime | None:
        """The last fire time at or before `moment` (and not before the anchor); None if there is none."""
        interval = _interval(self.expression)
        if interval is not None:
            if moment < self.anchor:
                return None
            return self.anchor + ((moment - self.anchor) // interval) * interval
        latest = self._cron_step(moment, backwards=True)
        return latest if latest is not None and latest >= self.anchor else None

    def _cron_step(self, start: datetime, *, backwards: bool) -> datetime | None:
        """The first fire time after `start`, or (backwards) the last at or before it."""
        # croniter steps from `start` exclusive, in local wall-clock time, and resolves DST gaps
        # through zoneinfo. Stepping back from start + 1µs makes a fire time equal to `start` count.
        zone = ZoneInfo(self.timezone)
        cursor = (start + _TICK if backwards else start).astimezone(zone)
        iterator = croniter.croniter(self.expression, cursor, ret_type=datetime)
        fixed_hour = iterator.expanded[croniter.HOUR_FIELD] != ["*"]
        try:
            while True:
                found = iterator.get_prev(datetime) if backwards else iterator.get_next(datetime)
                local = found.astimezone(zone)
                # A wall-clock time that repeats when the clock falls back is the same time of day
                # again: a schedule with a fixed hour (a daily 02:30) fires at its first occurrence
                # only, as cron does; an every-hour schedule fires in both hours.
                if not (fixed_hour and _is_repeated_wall_time(local)):
                    return found.astimezone(UTC)
        except croniter.CroniterBadDateError:
            return None


@dataclass(frozen=True)
class FirePlan:
    """The fire times to handle now, and the schedule's next fire time after them."""

    fire_times: list[datetime]
    next_fire_at: datetime | None


def parse_cadence(expression: str, timezone: str, anchor: datetime) -> Cadence:
    """Checks a schedule expression and time zone.

    Args:
        expression: a cron expression croniter accepts (5 fields, 6 with seconds last, aliases such
            as `@daily`), or `@every <n>s`, `@every <n>m`, `@every <n>h` as the Driver SDK emits.
        timezone: an IANA time zone name; cron fields are read as wall-clock time there.
        anchor: the start date, or the creation time when there is none.

    Raises:
        InvalidSchedule: the expression, the time zone or the anchor cannot be used.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise errors.InvalidSchedule("cron must be a non-empty string")
    if not isinstance(timezone, str):
        raise errors.InvalidSchedule("timezone must be a string")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise errors.InvalidSchedule(f"unknown time zone {timezone!r}") from err
    if anchor.tzinfo is None:
        raise errors.InvalidSchedule("start_date must carry a time zone")
    expression = " ".join(expression.split())
    if expression.startswith("@every"):
        interval = _interval(expression)
        if interval is None or interval <= timedelta(0):
            raise errors.InvalidSchedule(f"{expression!r}: write @every <n>s, <n>m or <n>h with n > 0")
    elif not croniter.croniter.is_valid(expression):
        raise errors.InvalidSchedule(f"{expression!r} is not a cron expression")
    cadence = Cadence(expression, timezone, anchor)
    if cadence.next_after(anchor - _TICK) is None:
        raise errors.InvalidSchedule(f"{expression!r} never fires")
    return cadence


def plan_fires(
    cadence: Cadence,
    catchup: str,
    next_fire_at: datetime,
    now: datetime,
    *,
    misfire_grace: timedelta,
    limit: int = MAX_FIRES_PER_CLAIM,
) -> FirePlan:
    """Decides which due fire times to fire now.

    A fire time older than `misfire_grace` was missed (the scheduler was down or paused). Fire
    times within the grace are always fired; of the missed ones `all` fires every one, `latest`
    only the most recent (and none when a newer one is on time), `skip` none.

    Args:
        cadence: when the schedule fires.
        catchup: `all`, `latest` or `skip`.
        next_fire_at: the schedule's first fire time not handled yet.
        now: the engine clock.
        misfire_grace: how late a fire time may be and still count as on time.
        limit: at most this many fire times; the rest stay due for the next claim.
    """
    if catchup == "all":
        first: datetime | None = next_fire_at
    else:
        on_time = cadence.next_after(now - misfire_grace - _TICK)
        first = None if on_time is None else max(next_fire_at, on_time)
    fire_times: list[datetime] = []
    cursor = first
    while cursor is not None and cursor <= now and len(fire_times) < limit:
        fire_times.append(cursor)
        cursor = cadence.next_after(cursor)
    if catchup == "latest" and not fire_times:
        latest = cadence.latest_at_or_before(now)
        if latest is not None and latest >= next_fire_at:
            fire_times.append(latest)
    return FirePlan(fire_times, cursor)


def _interval(expression: str) -> timedelta | None:
    match = _EVERY.match(expression)
    if match is None:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _is_repeated_wall_time(local: datetime) -> bool:
    # fold=1 marks the second occurrence of a wall-clock time; it only matters where the two
    # occurrences really have different offsets (a fall-back overlap).
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()
