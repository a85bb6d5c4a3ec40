"""GET /api/openapi.json: the machine-readable description of this API."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from roundhouse.api.deps import settings
from roundhouse.api.openapi import document

bp = Blueprint("openapi", __name__)


@bp.get("/api/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document(settings()))
