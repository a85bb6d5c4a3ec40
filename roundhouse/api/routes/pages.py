"""The web page: static files from frontend/, same origin as the API, no build step."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory
from flask.typing import ResponseReturnValue

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    response = send_from_directory(FRONTEND, "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/static/<path:name>")
def static_file(name: str) -> ResponseReturnValue:
    response = send_from_directory(FRONTEND, name)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers and tools that ask for /favicon.ico get the page's own icon, not a 404."""
    response = send_from_directory(FRONTEND, "favicon.svg", mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "max-age=86400"
    return response
