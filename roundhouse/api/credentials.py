"""Who presented what: the API token (Bearer, X-API-Token) or the page's session cookie.

Tokens are compared in constant time on bytes. The cookie holds a session id signed with a
key derived from the token (so a new token ends every session), kept in Redis until logout.
Wrong tokens and forged cookies count against the client's address: past
`auth_failures_per_minute` it gets 429 with Retry-After, and every failure is logged at
WARNING with the address, never the token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import request
from itsdangerous import BadSignature, Signer

from roundhouse.api.deps import base_ctx
from roundhouse.api.errors import TooManyRequests, Unauthorized
from roundhouse.core.auth_store import FailedAttempts, Sessions
from roundhouse.core.settings import Settings

COOKIE = "roundhouse_session"
log = logging.getLogger("roundhouse.access")


def settings() -> Settings:
    """This process's own settings: access rules never wait on Redis (no connections overlay)."""
    return base_ctx().settings


def same_secret(given: str, expected: str) -> bool:
    """Constant-time, on bytes: compare_digest refuses str with non-ASCII characters."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def sessions() -> Sessions:
    return base_ctx().stores.sessions


def attempts() -> FailedAttempts:
    return base_ctx().stores.failed_attempts


def _signer() -> Signer:
    secret = settings().api_token.encode("utf-8", "surrogatepass")
    return Signer(hashlib.sha256(b"roundhouse session\0" + secret).digest(), salt="session")


def sign(session_id: str) -> str:
    return _signer().sign(session_id).decode()


def session_of(cookie: str) -> str | None:
    """The session id a cookie carries, or None when its signature is not ours."""
    try:
        return _signer().unsign(cookie.encode("utf-8", "surrogatepass")).decode()
    except (BadSignature, UnicodeError):
        return None


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-API-Token")


def client_address() -> str:
    """The caller (the proxy's X-Forwarded-For only with ROUNDHOUSE_TRUSTED_PROXIES set)."""
    return request.remote_addr or "unknown"


def check() -> tuple[bool, bool]:
    """(authenticated, a wrong secret was presented) for this request."""
    expected = settings().api_token
    if not expected:
        return True, False
    token = presented_token()
    if token is not None:
        ok = same_secret(token, expected)
        return ok, not ok
    cookie = request.cookies.get(COOKIE)
    if cookie:
        session_id = session_of(cookie)
        if session_id is None:
            return False, True  # forged or signed with an old token
        return sessions().valid(session_id), False  # expired or logged out: not a guess
    return False, False


def refuse_if_blocked() -> None:
    address = client_address()
    wait = attempts().retry_after(address)
    if wait is not None:
        raise TooManyRequests(
            f"Too many wrong API tokens from {address}; try again in {wait} s.",
            hint="Check the token (ROUNDHOUSE_API_TOKEN on the server).",
            retry_after=wait,
        )


def failed(what: str) -> None:
    """Count a wrong secret against the caller's address and say so in the log."""
    address, limit = client_address(), settings().auth_failures_per_minute
    count = attempts().record(address)
    blocked = "; it now has to wait" if count >= limit else ""
    log.warning("wrong %s from %s (%d of %d a minute)%s", what, address, count, limit, blocked)


def require(message: str, hint: str) -> None:
    """Pass with valid credentials; else 401, or 429 for an address that guessed too often."""
    presented = presented_token() is not None or COOKIE in request.cookies
    if presented:
        refuse_if_blocked()
    ok, guessed = check()
    if ok:
        return
    if guessed:
        failed("API token" if presented_token() is not None else "session cookie")
    raise Unauthorized(message, hint=hint)
