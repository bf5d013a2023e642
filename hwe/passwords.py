"""People's passwords: argon2id hashes, and the rules a new password must meet.

Passwords are chosen by people and have little entropy, so unlike API keys (190 random bits, a keyed SHA-256 is
enough) they are stored as argon2id hashes with argon2-cffi's defaults, the low-memory profile of RFC 9106
(t=3, m=64 MiB, p=4): about 0.2 s of one core per hash here. Called when a password is set (an accepted
invitation, an admin creating a user) and at sign-in. Does not count failed sign-ins or lock anyone out.
"""

from __future__ import annotations

import functools

import argon2

from hwe import errors

MIN_CHARS = 12
# argon2 hashes any length, but a megabyte "password" should not cost a hash: refuse it before hashing.
MAX_CHARS = 256

_HASHER = argon2.PasswordHasher()


@functools.cache
def _decoy_hash() -> str:
    """Verified when an email has no password or no account, so a sign-in takes as long whether or not it exists."""
    return _HASHER.hash("not a password anyone can send: it is longer than MAX_CHARS" * 8)


def check_new(password: object) -> str:
    """A new password, once it meets the rules.

    Raises:
        InvalidRequest: it is not a string of MIN_CHARS to MAX_CHARS characters (code `weak_password`).
    """
    if not isinstance(password, str) or not MIN_CHARS <= len(password) <= MAX_CHARS:
        raise errors.InvalidRequest(
            "weak_password", f"the password must be a string of {MIN_CHARS} to {MAX_CHARS} characters"
        )
    return password


def hash_password(password: str) -> str:
    """The argon2id hash to store for a password that passed `check_new`."""
    return _HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with no hash, a decoy is verified and the answer is False."""
    if len(password) > MAX_CHARS:
        return False
    try:
        return _HASHER.verify(stored_hash or _decoy_hash(), password) and stored_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's, so sign-in should store a new one."""
    return _HASHER.check_needs_rehash(stored_hash)
