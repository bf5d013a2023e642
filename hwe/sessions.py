"""Console sessions and signing in: email and password checks with lock-out, session cookies, CSRF tokens.

A session is opened by signing in with an account (`sign_in`) or by pasting an API key (`start_for_api_key`);
its cookie's value is a random token of which only the SHA-256 is stored, so a database read yields no usable
cookie. A session has an absolute expiry, is revoked server-side at sign-out, and acts as its person (their
highest role of now) or as its key (only while the key is live). Called by the API (services/api/_state.py,
_signin.py and the console's sign-in pages); it does not decide what a role may do, and sets no cookie itself.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from hwe import db, errors, passwords, tenants

logger = logging.getLogger(__name__)

COOKIE_NAME = "hwe_session"
# Five failures in a row lock an account for a quarter of an hour: slow enough to stop guessing a password,
# short enough that a person who mistyped is not locked out for the day.
MAX_FAILED_SIGN_INS = 5
LOCK_OUT_SECONDS = 15 * 60
INVALID_CREDENTIALS = "wrong email or password"
LOCKED_OUT = "too many failed sign-ins: the account is locked for 15 minutes; try again later"
# Tells a session token from an API key (`hw_`) at a glance, and to secret scanners.
_TOKEN_PREFIX = "hws_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the new session's cookie value and what the person may see of themselves."""

    token: str
    email: str
    tenant_id: str
    roles: list[str]
    expires_at: datetime.datetime


def csrf_token(pepper: str, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of its cookie's value under the pepper, hex.

    Stable for the session's life, so every form of a page may carry it; unknown to another site, which can make
    the browser send the cookie but cannot read it.
    """
    return hmac.new(pepper.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_token_matches(pepper: str, session_token: str, sent: str | None) -> bool:
    """Whether `sent` is the CSRF token of this session (compared in constant time)."""
    return sent is not None and hmac.compare_digest(csrf_token(pepper, session_token).encode(), sent.encode())


def sign_in(conn: db.Connection, email: str, password: str, tenant_id: str | None, ttl_seconds: int) -> SignIn:
    """Checks an email and password and opens a session; failures are counted and lock the account.

    The accounts are read, checked and updated in one transaction that holds their rows, so concurrent attempts
    are all counted. An unknown email, an account with no password, a disabled one and a wrong password are
    refused alike (and in about the same time: a decoy hash is verified when there is nothing to verify).

    Args:
        conn: a connection; this opens its own transaction.
        email: the email signed in with (case does not matter).
        password: the password sent.
        tenant_id: the tenant to sign in to; needed only when the email has accounts in several tenants.
        ttl_seconds: the session's lifetime.

    Raises:
        Unauthorized: the email and password do not name an account that may sign in.
        InvalidRequest: the password fits accounts in several tenants and none was named (`tenant_required`).
        RateLimited: the account is locked out; `retry_after` says for how long.
    """
    email = email.strip().lower()
    with conn.transaction():
        accounts = db.execute(conn, "sign_in_find_accounts", {"email": email, "tenant_id": tenant_id})
        outcome = _check(conn, email, password, accounts, ttl_seconds)
    # Raised only now, so the failure count written above is committed with the refusal.
    if isinstance(outcome, errors.HighwayError):
        raise outcome
    return outcome


def _check(
    conn: db.Connection, email: str, password: str, accounts: list[dict[str, Any]], ttl_seconds: int
) -> SignIn | errors.HighwayError:
    if not accounts:
        passwords.verify(None, password)
        return errors.Unauthorized(INVALID_CREDENTIALS)
    if len(accounts) > 1:
        open_accounts = [a for a in accounts if not a["locked_seconds"] and not a["disabled"]]
        if any(passwords.verify(a["password_hash"], password) for a in open_accounts):
            return errors.InvalidRequest(
                "tenant_required", "this account belongs to several tenants: name the one to sign in to (tenant_id)"
            )
        for account in open_accounts:
            _record_failure(conn, email, account)
        return errors.Unauthorized(INVALID_CREDENTIALS)
    account = accounts[0]
    if account["locked_seconds"]:
        return errors.RateLimited(LOCKED_OUT, account["locked_seconds"])
    if not passwords.verify(account["password_hash"], password) or account["disabled"]:
        return _record_failure(conn, email, account)
    stored: str = account["password_hash"]
    new_hash = passwords.hash_password(password) if passwords.needs_rehash(stored) else None
    params = {"tenant_id": account["tenant_id"], "email": email, "password_hash": new_hash}
    db.execute(conn, "sign_in_record_success", params)
    token, expires_at = _start_for_user(conn, account["tenant_id"], email, ttl_seconds)
    logger.info("sign-in to tenant %s opened a session", account["tenant_id"])
    return SignIn(token, email, account["tenant_id"], list(account["roles"]), expires_at)


def _record_failure(conn: db.Connection, email: str, account: dict[str, Any]) -> errors.HighwayError:
    # A lock-out that has passed starts the count again.
    failed = 1 if account["locked_until"] is not None else account["failed_sign_ins"] + 1
    lock = failed >= MAX_FAILED_SIGN_INS
    params = {
        "tenant_id": account["tenant_id"],
        "email": email,
        "failed_sign_ins": failed,
        "lock": lock,
        "lock_seconds": LOCK_OUT_SECONDS,
    }
    db.execute(conn, "sign_in_record_failure", params)
    logger.info("sign-in to tenant %s refused (failure %s in a row, locked: %s)", account["tenant_id"], failed, lock)
    return errors.RateLimited(LOCKED_OUT, LOCK_OUT_SECONDS) if lock else errors.Unauthorized(INVALID_CREDENTIALS)


def start_for_user(conn: db.Connection, tenant_id: str, email: str, ttl_seconds: int) -> str:
    """Opens a session for a person of a tenant (whose sign-in the caller checked); returns the cookie's value."""
    token, _ = _start_for_user(conn, tenant_id, email, ttl_seconds)
    return token


def _start_for_user(conn: db.Connection, tenant_id: str, email: str, ttl_seconds: int) -> tuple[str, datetime.datetime]:
    token = _new_token()
    params = {"digest": _digest(token), "tenant_id": tenant_id, "email": email, "ttl_seconds": ttl_seconds}
    rows = db.execute(conn, "session_start_for_user", params)
    return token, rows[0]["expires_at"]


def start_for_api_key(conn: db.Connection, api_key: str, pepper: str, ttl_seconds: int) -> str:
    """Opens a session that acts as a live API key; returns the cookie's value.

    The session ends at its own expiry or the key's, whichever comes first, and as soon as the key is revoked.

    Raises:
        Unauthorized: the key is malformed, unknown, revoked, expired or does not match.
    """
    principal = tenants.authenticate(conn, api_key, pepper)
    token = _new_token()
    params = {"digest": _digest(token), "prefix": principal.key_prefix, "ttl_seconds": ttl_seconds}
    with conn.transaction():
        if not db.execute(conn, "session_start_for_api_key", params):
            raise errors.Unauthorized("unknown or revoked API key")  # revoked since it was checked
    logger.info("an API key of tenant %s opened a console session", principal.tenant_id)
    return token


def resolve(conn: db.Connection, session_token: str) -> tenants.Principal:
    """Who a session acts as: its person with their highest role of now, or its API key.

    Args:
        conn: a connection.
        session_token: the cookie's value.

    Raises:
        Unauthorized: the session is unknown, revoked or expired, its person disabled or removed, or its key
            revoked or expired.
    """
    return _principal(_live_session(conn, session_token))


def describe(conn: db.Connection, token: str, pepper: str) -> dict[str, Any]:
    """What a session token or an API key stands for: `email` (or None), `tenant_id`, `role`, `expires_at` (or None).

    Raises:
        Unauthorized: it is neither a live session nor a valid API key.
    """
    if token.startswith("hw_"):
        principal = tenants.authenticate(conn, token, pepper)
        rows = db.execute(conn, "session_key_expiry", {"prefix": principal.key_prefix})
        expires_at = rows[0]["expires_at"] if rows else None
    else:
        row = _live_session(conn, token)
        principal = _principal(row)
        expires_at = row["expires_at"]
    return {
        "email": principal.user_email or None,
        "tenant_id": principal.tenant_id,
        "role": principal.role,
        "expires_at": expires_at,
    }


def _principal(row: dict[str, Any]) -> tenants.Principal:
    return tenants.Principal(
        tenant_id=row["tenant_id"],
        role=row["role"],
        queue_name=row["queue_name"],
        key_prefix=row["key_prefix"],
        user_email=row["user_email"],
    )


def _live_session(conn: db.Connection, session_token: str) -> dict[str, Any]:
    if not session_token.startswith(_TOKEN_PREFIX):
        raise errors.Unauthorized("unknown, revoked or expired session: sign in again")
    with conn.transaction():
        rows = db.execute(conn, "session_resolve", {"digest": _digest(session_token)})
    if not rows:
        raise errors.Unauthorized("unknown, revoked or expired session: sign in again")
    return rows[0]


def revoke(conn: db.Connection, session_token: str) -> None:
    """Revokes a session (signing out): its cookie is refused from now on, by every API process."""
    with conn.transaction():
        db.execute(conn, "session_revoke", {"digest": _digest(session_token)})


def revoke_all_for_user(conn: db.Connection, tenant_id: str, email: str) -> int:
    """Revokes every open session of a person in a tenant (disabled, removed, password changed); returns how many."""
    with conn.transaction():
        return len(db.execute(conn, "session_revoke_all_for_user", {"tenant_id": tenant_id, "email": email.lower()}))


def _new_token() -> str:
    return _TOKEN_PREFIX + secrets.token_urlsafe(32)


def _digest(session_token: str) -> str:
    return hashlib.sha256(session_token.encode()).hexdigest()
