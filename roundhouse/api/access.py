"""Who may call: a token when one is set, only the page's own origin for anything that
changes state or streams, and (without a token) only loopback Host names, so a web page
elsewhere cannot drive a local Roundhouse, not even through DNS rebinding. Credentials and
the limit on wrong ones: api/credentials.py."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

from roundhouse.api.credentials import require, settings
from roundhouse.core.errors import Forbidden

OPEN_PATHS = ("/healthz", "/api/login", "/api/logout", "/api/session", "/static/", "/favicon.ico")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def origin_ok() -> bool:
    """Browsers always send Origin on WebSockets; non-browser clients (the CLI) may omit it."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    if origin in settings().allowed_origins:
        return True
    return urlsplit(origin).netloc == request.host


def host_ok() -> bool:
    """Without a token, answer only to loopback names (DNS rebinding defence)."""
    if settings().api_token:
        return True
    host = urlsplit(f"//{request.host}").hostname or ""
    allowed = {urlsplit(o).hostname for o in settings().allowed_origins}
    return host in LOOPBACK_HOSTS or f"[{host}]" in LOOPBACK_HOSTS or host in allowed


def check_origin() -> None:
    if not origin_ok():
        raise Forbidden(
            f"Origin {request.headers.get('Origin')!r} may not call this Roundhouse.",
            hint="Add it to ROUNDHOUSE_ALLOWED_ORIGINS if it is yours.",
        )


def check_socket() -> None:
    if not origin_ok():
        raise Forbidden(
            f"Origin {request.headers.get('Origin')!r} may not open this stream.",
            hint="Add it to ROUNDHOUSE_ALLOWED_ORIGINS if it is yours.",
        )
    require("An API token is required.", hint="Send Authorization: Bearer <token>.")


def install(app: Flask) -> None:
    """Reads may stay open (setting); everything that changes state needs the token."""

    @app.before_request
    def require_token() -> None:
        if not host_ok():
            raise Forbidden(
                f"Host {request.host!r} is not this machine.",
                hint="Open Roundhouse at http://127.0.0.1, or set ROUNDHOUSE_API_TOKEN.",
            )
        if request.path == "/ws":
            check_socket()  # before the handshake, so the refusal is a plain HTTP answer
            return
        reading = request.method in ("GET", "HEAD", "OPTIONS")
        if not reading:
            check_origin()
        if not settings().api_token or request.path == "/" or request.path.startswith(OPEN_PATHS):
            return
        if reading and settings().open_reads:
            return
        require(
            "This Roundhouse requires an API token.",
            hint="Send Authorization: Bearer <token>, or log in on the page.",
        )
