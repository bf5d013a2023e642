"""Durations as settings and the command line write them: `90s`, `15m`, `12h`, `30d`, or ISO 8601 such as `P30D`.

One parser for `[audit] archive_after` (read by `hwe.config`) and `hwe audit archive --older-than`, so both accept
exactly the same words. It parses only; it does not decide what a duration is for.
"""

from __future__ import annotations

import datetime
import re

import isodate

_SHORT = re.compile(r"^(\d{1,9})([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
# Far beyond any retention, and near enough that "now minus it" stays a valid PostgreSQL time.
LONGEST = datetime.timedelta(days=100_000)


def parse_duration(text: str) -> datetime.timedelta:
    """Parses `Ns`, `Nm`, `Nh`, `Nd` (N a whole number, `0s` included) or an ISO 8601 duration (`P30D`, `PT90S`).

    Args:
        text: the duration as written.

    Raises:
        ValueError: anything else, a negative duration, one longer than `LONGEST`, or ISO months and years
            (they have no fixed length).
    """
    value = _parse(text)
    if value > LONGEST:
        raise ValueError(f"{text!r} is longer than {LONGEST.days} days")
    return value


def _parse(text: str) -> datetime.timedelta:
    raw = text.strip()
    short = _SHORT.match(raw)
    if short is not None:
        return datetime.timedelta(seconds=int(short.group(1)) * _UNIT_SECONDS[short.group(2)])
    if raw[:1] in ("P", "p"):
        try:
            value = isodate.parse_duration(raw.upper())
        except (isodate.ISO8601Error, ValueError, OverflowError) as err:
            raise ValueError(f"{text!r} is not an ISO 8601 duration") from err
        if not isinstance(value, datetime.timedelta):
            raise ValueError(f"{text!r} counts months or years, which have no fixed length: write days (P30D)")
        if value < datetime.timedelta(0):
            raise ValueError(f"{text!r} is negative")
        return value
    raise ValueError(f"{text!r} is not a duration: write Ns, Nm, Nh or Nd (e.g. 30d, 90s, 0s), or ISO 8601 (P30D)")
