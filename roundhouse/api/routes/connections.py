"""/api/connections: service addresses and keys set at runtime (tested first, keys masked)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api.body import json_object
from roundhouse.api.connection_change import FIELDS, change
from roundhouse.api.deps import app_ctx, base_ctx
from roundhouse.core.errors import InvalidRequest

bp = Blueprint("connections", __name__, url_prefix="/api/connections")


@bp.get("")
def list_connections() -> ResponseReturnValue:
    """Every connection: URL and its source (runtime or default), key set or not (masked)."""
    base = base_ctx()
    return jsonify(base.stores.connections.public(base.settings))


@bp.post("/<name>")
def set_connection(name: str) -> ResponseReturnValue:
    """Set a URL and/or key (or reset them), tested against the service before it is saved."""
    body = json_object(FIELDS)
    by = body.get("by")
    if by is not None and (not isinstance(by, str) or len(by) > 100 or not by.isprintable()):
        raise InvalidRequest("'by' must be a short printable name.")
    by = by or request.headers.get("X-Roundhouse-User") or f"api ({request.remote_addr})"
    return jsonify(change(app_ctx(), name, body, by))
