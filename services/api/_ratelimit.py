"""Per-API-key rate limits: one token bucket per key prefix, in this process's memory.

Each API process limits on its own, so N replicas allow N times the rate; the limit protects a
process from one busy client, it is not a quota. Only authenticated keys get a bucket, so the
number of buckets is bounded by the number of keys that exist.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """A bucket of `burst` tokens per key, refilled at `rate` tokens per second; a request takes one.

    A rate of zero or less turns the limit off.
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = max(1, burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int | None:
        """Takes a token for `key`; returns None when allowed, else the whole seconds to wait."""
        if self._rate <= 0:
            return None
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(float(self._burst), now))
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def statistics(self) -> dict[str, int]:
        """How many keys have a bucket."""
        return {"keys": len(self._buckets)}
