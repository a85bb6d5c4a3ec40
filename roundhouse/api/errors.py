"""HTTP answers for errors: one JSON shape, the status chosen by the error's class."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from roundhouse.core import errors as e

log = logging.getLogger(__name__)

STATUS: dict[type[e.AppError], int] = {
    e.InvalidRequest: 400,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.PayloadTooLarge: 413,
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
    def app_error(exc: e.AppError):  # type: ignore[no-untyped-def]
        return jsonify(exc.to_dict()), status_for(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        message = {
            404: "No such endpoint.",
            405: "Method not allowed on this endpoint.",
            413: "Request body too large.",
        }.get(code, exc.description or exc.name)
        return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": message}), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return jsonify({"error": "internal", "message": "Internal error; see the server log."}), 500
