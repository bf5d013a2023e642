"""Fire times and catch-up decisions, computed from fixed datetimes: DST edges, intervals, policies."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hwe import cadence, errors

BERLIN = ZoneInfo("Europe/Berlin")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
GRACE = timedelta(seconds=60)


def _all_fires(expression: str, start: datetime, end: datetime, timezone: str = "Europe/Berlin") -> list[datetime]:
    when = cadence.parse_cadence(expression, timezone, LONG_AGO)
    first = when.next_after(start)
    assert first is not None
    plan = cadence.plan_fires(when, "all", first, end, misfire_grace=GRACE, limit=10_000)
    return plan.fire_times


def _local_dates(fire_times: list[datetime]) -> list[date]:
    return [t.astimezone(BERLIN).date() for t in fire_times]


def test_daily_0230_fires_once_on_the_spring_forward_day_when_0230_does_not_exist() -> None:
    fire_times = _all_fires("30 2 * * *", datetime(2026, 3, 27, 12, tzinfo=UTC), datetime(2026, 3, 31, 12, tzinfo=UTC))

    assert _local_dates(fire_times) == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31)]
    # 02:30 is skipped by the clock that night; the fire moves to the first wall-clock time after the gap.
    assert fire_times[1] == datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN)
    assert fire_times[2] == datetime(2026, 3, 30, 2, 30, tzinfo=BERLIN)


def test_daily_0230_fires_once_on_the_fall_back_day_when_0230_happens_twice() -> None:
    fire_times = _all_fires(
        "30 2 * * *", datetime(2026, 10, 23, 12, tzinfo=UTC), datetime(2026, 10, 27, 12, tzinfo=UTC)
    )

    assert _local_dates(fire_times) == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26), date(2026, 10, 27)]
    # The first 02:30 (summer time, UTC+2) fires; the repeated one an hour later does not.
    assert fire_times[1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_hourly_schedule_fires_in_both_repeated_hours_when_the_clock_falls_back() -> None:
    fire_times = _all_fires(
        "30 * * * *", datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    )

    assert len(fire_times) == 25  # the local day of 2026-10-25 has 25 hours
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(fire_times))


def test_hourly_schedule_skips_the_missing_hour_when_the_clock_springs_forward() -> None:
    fire_times = _all_fires(
        "30 * * * *", datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    )

    assert len(fire_times) == 23  # the local day of 2026-03-29 has 23 hours
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(fire_times))


def test_latest_fire_during_the_fall_back_overlap_is_the_first_occurrence() -> None:
    when = cadence.parse_cadence("30 2 * * *", "Europe/Berlin", LONG_AGO)

    # 02:45 local in the second (winter time) pass through the repeated hour.
    latest = when.latest_at_or_before(datetime(2026, 10, 25, 1, 45, tzinfo=UTC))

    assert latest == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_every_n_seconds_fires_at_the_anchor_and_each_interval_after_it() -> None:
    anchor = datetime(2026, 1, 1, tzinfo=UTC)
    when = cadence.parse_cadence("@every 7s", "UTC", anchor)

    assert when.next_after(anchor - timedelta(days=1)) == anchor
    assert when.next_after(anchor) == anchor + timedelta(seconds=7)
    assert when.next_after(anchor + timedelta(seconds=7)) == anchor + timedelta(seconds=14)
    assert when.latest_at_or_before(anchor + timedelta(seconds=20)) == anchor + timedelta(seconds=14)


@pytest.mark.parametrize(
    ("policy", "expected_minutes"),
    [("all", [50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60]), ("latest", [60]), ("skip", [])],
)
def test_catchup_policy_decides_which_missed_fire_times_fire(policy: str, expected_minutes: list[int]) -> None:
    # Down since 11:50; at 12:00:30 every fire time is older than the 20 s grace, so each was missed.
    now = datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC)
    when = cadence.parse_cadence("* * * * *", "UTC", LONG_AGO)
    down_since = datetime(2026, 5, 1, 11, 50, tzinfo=UTC)

    plan = cadence.plan_fires(when, policy, down_since, now, misfire_grace=timedelta(seconds=20))

    assert plan.fire_times == [datetime(2026, 5, 1, 11, 0, tzinfo=UTC) + timedelta(minutes=m) for m in expected_minutes]
    assert plan.next_fire_at == datetime(2026, 5, 1, 12, 1, tzinfo=UTC)


def test_fire_times_within_the_misfire_grace_fire_under_every_policy() -> None:
    now = datetime(2026, 5, 1, 12, 0, 20, tzinfo=UTC)
    when = cadence.parse_cadence("* * * * *", "UTC", LONG_AGO)

    plans = {
        policy: cadence.plan_fires(when, policy, now - timedelta(seconds=20), now, misfire_grace=GRACE)
        for policy in cadence.CATCHUP_POLICIES
    }

    assert {policy: plan.fire_times for policy, plan in plans.items()} == {
        policy: [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)] for policy in cadence.CATCHUP_POLICIES
    }


def test_a_long_backlog_is_fired_in_bounded_batches() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    when = cadence.parse_cadence("@every 1s", "UTC", now - timedelta(hours=1))

    plan = cadence.plan_fires(when, "all", when.anchor, now, misfire_grace=GRACE)

    assert len(plan.fire_times) == cadence.MAX_FIRES_PER_CLAIM
    assert plan.next_fire_at == when.anchor + timedelta(seconds=cadence.MAX_FIRES_PER_CLAIM)


@pytest.mark.parametrize(
    ("expression", "timezone"),
    [
        ("61 * * * *", "UTC"),
        ("0 0 30 2 *", "UTC"),
        ("@every 0s", "UTC"),
        ("@every soon", "UTC"),
        ("* * * * *", "Mars/Olympus"),
    ],
)
def test_unusable_expressions_and_time_zones_are_refused(expression: str, timezone: str) -> None:
    with pytest.raises(errors.InvalidSchedule):
        cadence.parse_cadence(expression, timezone, LONG_AGO)
