"""The plan cache: least recently used first out, bounded by its entries and by its keys' characters."""

from __future__ import annotations

from hwe import interpreter
from hwe.interpreter._plan import PlanCache

PLAN = interpreter.Plan(name="w", version="1.0.0", variables={}, steps=())


def test_the_least_recently_used_entry_leaves_first_when_the_count_is_reached() -> None:
    cache = PlanCache(max_entries=2, max_chars=1_000)
    cache.put(("a", False), PLAN)
    cache.put(("b", False), PLAN)
    assert cache.get(("a", False)) is PLAN  # now "b" is the least recently used
    cache.put(("c", False), PLAN)
    assert cache.get(("b", False)) is None
    assert cache.get(("a", False)) is PLAN
    assert cache.get(("c", False)) is PLAN


def test_the_keys_characters_bound_the_cache_too() -> None:
    cache = PlanCache(max_entries=100, max_chars=10)
    cache.put(("x" * 6, False), PLAN)
    cache.put(("y" * 6, False), PLAN)
    assert cache.get(("x" * 6, False)) is None
    assert cache.get(("y" * 6, False)) is PLAN


def test_a_strict_plan_and_a_lenient_one_of_the_same_text_are_apart() -> None:
    cache = PlanCache(max_entries=10, max_chars=1_000)
    cache.put(("a", True), PLAN)
    assert cache.get(("a", False)) is None
