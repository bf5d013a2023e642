"""Rate limits: one token bucket per key (an API key's prefix, or a client address for sign-in), in this process's
memory.

Each API process limits on its own, so N replicas allow N times the rate; the limit protects a
process from one busy client, it is not a quota. Authenticated keys are bounded by the number of keys that
exist; client addresses are not, so a limiter given `max_keys` forgets the buckets that have refilled once it
holds that many (a full bucket says nothing a new one would not).
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

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int | None = None
    ) -> None:
        self._rate = rate
        self._burst = max(1, burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int | None:
        """Takes a token for `key`; returns None when allowed, else the whole seconds to wait."""
        if self._rate <= 0:
            return None
        now = self._clock()
        if self._max_keys is not None and key not in self._buckets and len(self._buckets) >= self._max_keys:
            refill = self._burst / self._rate
            self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill}
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
