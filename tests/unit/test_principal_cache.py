"""The API's cache of authenticated keys: expiry, revocation through the process, and lookups in flight."""

from __future__ import annotations

from hwe import tenants
from services.api._principals import PrincipalCache

KEY = "hw_abc123_secret"
PRINCIPAL = tenants.Principal(tenant_id="t", role="operator", queue_name="q", key_prefix="abc123")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_key_resolves_until_its_entry_expires() -> None:
    clock = Clock()
    cache = PrincipalCache(ttl=1.0, clock=clock)
    cache.put(KEY, PRINCIPAL, cache.begin())
    clock.now += 0.99
    assert cache.get(KEY) == PRINCIPAL
    clock.now += 0.01
    assert cache.get(KEY) is None


def test_an_entry_expires_ttl_after_its_lookup_began_not_after_it_answered() -> None:
    clock = Clock()
    cache = PrincipalCache(ttl=1.0, clock=clock)
    lookup = cache.begin()
    clock.now += 0.4  # the database lookup took this long
    cache.put(KEY, PRINCIPAL, lookup)
    clock.now += 0.6
    assert cache.get(KEY) is None


def test_only_the_same_whole_key_resolves() -> None:
    cache = PrincipalCache()
    cache.put(KEY, PRINCIPAL, cache.begin())
    assert cache.get("hw_abc123_other") is None


def test_a_revoked_key_is_forgotten_at_once() -> None:
    cache = PrincipalCache()
    cache.put(KEY, PRINCIPAL, cache.begin())
    cache.forget("abc123")
    assert cache.get(KEY) is None


def test_a_lookup_that_began_before_a_revocation_is_not_cached() -> None:
    cache = PrincipalCache()
    lookup = cache.begin()  # the lookup starts, then the key is revoked while it reads the database
    cache.forget("abc123")
    cache.put(KEY, PRINCIPAL, lookup)
    assert cache.get(KEY) is None


def test_expired_entries_are_swept() -> None:
    clock = Clock()
    cache = PrincipalCache(ttl=1.0, clock=clock)
    for index in range(100):
        cache.put(f"hw_p{index}_s", PRINCIPAL, cache.begin())
    clock.now += 2.0
    cache.put(KEY, PRINCIPAL, cache.begin())
    assert len(cache) == 1
