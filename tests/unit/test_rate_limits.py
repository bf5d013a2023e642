"""The API's token buckets: a key's budget, its refill, and a bounded number of keys for client addresses."""

from __future__ import annotations

from services.api._ratelimit import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_its_burst_then_waits_for_the_refill() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=0.5, burst=2, clock=clock)
    assert [buckets.take("a"), buckets.take("a"), buckets.take("a")] == [None, None, 2]
    clock.now = 2.0
    assert buckets.take("a") is None and buckets.take("b") is None


def test_past_max_keys_refilled_buckets_are_forgotten_but_a_spent_one_is_kept() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=3, clock=clock, max_keys=3)
    for _ in range(3):
        buckets.take("spent")
    buckets.take("old-1")
    buckets.take("old-2")
    clock.now = 2.9  # old-1 and old-2 have not refilled yet (3 s), so nothing may be forgotten
    buckets.take("new-1")
    assert buckets.statistics() == {"keys": 4}
    clock.now = 6.0  # every bucket refilled: a new key makes room by forgetting them
    buckets.take("spent")
    buckets.take("spent")
    buckets.take("spent")
    buckets.take("new-2")
    assert buckets.statistics()["keys"] <= 3
    assert buckets.take("spent") == 1  # spent just now, so it was kept and is still limited
