"""Request bodies: a JSON object or a clear 400, never a half-parsed guess."""

from __future__ import annotations

from typing import Any

from flask import request

from roundhouse.core.errors import InvalidRequest


def json_object(allowed: set[str] | None = None) -> dict[str, Any]:
    data = request.get_json(silent=True, force=True) if request.data else {}
    if not isinstance(data, dict):
        raise InvalidRequest(
            "The request body must be a JSON object.",
            hint='Send Content-Type: application/json with e.g. {"key": "value"}.',
        )
    if allowed is not None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InvalidRequest(
                f"Unknown field(s): {', '.join(unknown)}.",
                hint="Allowed fields: " + ", ".join(sorted(allowed)),
            )
    return data


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise InvalidRequest(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)
