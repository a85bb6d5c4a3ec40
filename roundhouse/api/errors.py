"""HTTP answers for errors: one JSON shape, the status chosen by the error's class.

A body over the limit is werkzeug's 413 (MAX_CONTENT_LENGTH), answered by `http_error`.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import redis
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from roundhouse.core import errors as e
from roundhouse.core.redis import write_refusal

log = logging.getLogger(__name__)


class Unauthorized(e.AppError):
    """No or wrong API token (or session cookie)."""

    code = "unauthorized"


class TooManyRequests(e.AppError):
    """Too many wrong tokens from one address; `retry_after` goes into the Retry-After header."""

    code = "too_many_attempts"


STATUS: dict[type[e.AppError], int] = {
    e.InvalidRequest: 400,
    Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    TooManyRequests: 429,
    e.VerificationFailed: 422,
    e.Unavailable: 503,
    e.ProviderError: 502,
}


def status_for(exc: e.AppError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def register(app: Flask) -> None:
    @app.errorhandler(e.AppError)
    def app_error(exc: e.AppError) -> ResponseReturnValue:
        response = jsonify(exc.to_dict())
        if "retry_after" in exc.details:
            response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response, status_for(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        message = {
            404: "No such endpoint.",
            405: "Method not allowed on this endpoint.",
            413: "Request body too large.",
        }.get(code, exc.description or exc.name)
        return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": message}), code

    @app.errorhandler(redis.ConnectionError)
    @app.errorhandler(redis.TimeoutError)
    def redis_down(exc: redis.RedisError) -> ResponseReturnValue:
        log.warning("Redis is not answering: %s", exc)
        body = {
            "error": "redis_unavailable",
            "message": f"Redis is not answering ({exc}); nothing was changed.",
            "hint": "Start Redis again (roundhouse up runs it) and retry; jobs resume then.",
        }
        return jsonify(body), 503

    @app.errorhandler(redis.ResponseError)
    def redis_refused(exc: redis.ResponseError) -> ResponseReturnValue:
        refusal = write_refusal(exc)
        if refusal is None:
            return unexpected(exc)
        code, meaning = refusal
        log.warning("Redis refused a write: %s", exc)
        if code == "disk_full":
            body = {
                "error": code,
                "message": f"disk full on {_redis_host()}: free space, then retry",
                "hint": f"{meaning}; it accepts writes again once space is freed.",
            }
            return jsonify(body), 507
        body = {"error": code, "message": f"{meaning}; retry later.", "hint": str(exc)}
        return jsonify(body), 503

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error")
        return jsonify({"error": "internal", "message": "Internal error; see the server log."}), 500


def _redis_host() -> str:
    """Where Redis keeps its files: its URL's host, or this machine's name for a local one."""
    settings = current_app.extensions["roundhouse"].settings
    host = urlsplit(settings.redis_url).hostname or ""
    local = host in ("", "localhost", "127.0.0.1", "::1")
    return settings.hostname if local else host
