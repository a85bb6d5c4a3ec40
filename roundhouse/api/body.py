"""Request bodies: a JSON object or a clear 400, never a half-parsed guess."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from roundhouse.core.errors import InvalidRequest

#: Deeper JSON is refused: no request needs it, and Python's parser would hit its recursion limit.
MAX_DEPTH = 32


def parse_json(raw: bytes | str) -> Any:
    """JSON that is valid, at most MAX_DEPTH deep and free of lone surrogates, or a 400."""
    try:
        data = json.loads(raw)
    except RecursionError:
        data = None
        too_deep()
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise InvalidRequest(
            f"The request body is not valid JSON ({exc}).",
            hint='Send Content-Type: application/json with e.g. {"key": "value"}.',
        ) from None
    check_text(data)
    return data


def too_deep() -> None:
    raise InvalidRequest(
        f"The JSON is nested deeper than {MAX_DEPTH} levels.",
        hint=f"At most {MAX_DEPTH} levels of arrays and objects are accepted.",
    )


def check_text(data: Any) -> None:
    """Every string (keys too) must be encodable text: a lone surrogate cannot reach Redis."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            too_deep()
        if isinstance(value, dict):
            stack += [(k, depth) for k in value] + [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]
        elif isinstance(value, str) and not value.isascii():
            _encodable(value)


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        raise InvalidRequest(
            f"The text contains a lone surrogate ({bad!r} at position {exc.start}).",
            hint="Send valid Unicode: a \\ud800-\\udfff escape must be half of a pair.",
        ) from None


def json_object(allowed: set[str] | None = None) -> dict[str, Any]:
    data = parse_json(request.get_data(cache=True)) if request.data else {}
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
