"""Who may call: a token when one is set, and only the page's own origin on live streams."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Flask, request

from roundhouse.api.deps import settings
from roundhouse.core.errors import Forbidden, Unauthorized

COOKIE = "roundhouse_token"
OPEN_PATHS = ("/healthz", "/api/login", "/static/", "/favicon.ico")


def presented_token() -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-API-Token") or request.cookies.get(COOKIE) or ""


def token_ok() -> bool:
    expected = settings().api_token
    return not expected or hmac.compare_digest(presented_token(), expected)


def origin_ok() -> bool:
    """Browsers always send Origin on WebSockets; non-browser clients (the CLI) may omit it."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    if origin in settings().allowed_origins:
        return True
    return urlsplit(origin).netloc == request.host


def check_socket() -> None:
    if not origin_ok():
        raise Forbidden(
            f"Origin {request.headers.get('Origin')!r} may not open this stream.",
            hint="Add it to ROUNDHOUSE_ALLOWED_ORIGINS if it is yours.",
        )
    if not token_ok():
        raise Unauthorized("An API token is required.", hint="Send Authorization: Bearer <token>.")


def install(app: Flask) -> None:
    """Reads may stay open (setting); everything that changes state needs the token."""

    @app.before_request
    def require_token() -> None:
        if request.path == "/ws":
            check_socket()  # before the handshake, so the refusal is a plain HTTP answer
            return
        if not settings().api_token or request.path == "/" or request.path.startswith(OPEN_PATHS):
            return
        reading = request.method in ("GET", "HEAD", "OPTIONS") and request.path != "/ws"
        if reading and settings().open_reads:
            return
        if not token_ok():
            raise Unauthorized(
                "This Roundhouse requires an API token.",
                hint="Send Authorization: Bearer <token>, or log in on the page.",
            )
