"""Byte shapes of Ollama's replies: Go-style JSON, NDJSON streams, in-band errors, timestamps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.fakes.loopback import Answer, Request

GIN_JSON = "application/json; charset=utf-8"


def go_json(obj: Any) -> bytes:
    """json.Marshal's bytes: compact, non-ASCII kept, and <, >, & escaped as Go does."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def send(status: int, obj: Any, content_type: str = GIN_JSON) -> Answer:
    """gin's c.JSON: a sized body with a charset."""
    return Answer(status, go_json(obj), {"Content-Type": content_type})


def error(status: int, message: str) -> Answer:
    return send(status, {"error": message})


def empty(status: int) -> Answer:
    """No body and no Content-Type, as gin's c.Status."""
    return Answer(status, b"", {"Content-Type": ""})


def text(status: int, body: str) -> Answer:
    return Answer(status, body.encode(), {"Content-Type": "text/plain"})


def rfc3339nano(moment: datetime, *, utc: bool = False) -> str:
    """Go's RFC3339Nano: nine fractional digits (trailing zeros trimmed), local offset or Z."""
    moment = moment.astimezone(UTC) if utc else moment.astimezone()
    frac = f"{moment.microsecond:06d}417".rstrip("0")
    base = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "")
    if utc:
        return base + "Z"
    offset = moment.strftime("%z")
    return f"{base}{offset[:3]}:{offset[3:]}"


def body_or_error(request: Request) -> dict | Answer:
    """The JSON request body, or the 400 that ShouldBindJSON answers."""
    try:
        body = json.loads(request.body) if request.body.strip() else None
    except ValueError as exc:
        return error(400, f"invalid character in request body: {exc}")
    if body is None:
        return error(400, "missing request body")
    if not isinstance(body, dict):
        return error(400, "json: cannot unmarshal array into Go value of type api.Request")
    return body


@dataclass
class Fail:
    """A line source's failure: in-band once a line went out, else the status reply."""

    message: str
    status: int = 500


Lines = Iterable["dict | Fail"]


def streamed(lines: Lines) -> Answer:
    """streamResponse: NDJSON lines; a failure before the first line is a status reply."""
    source = iter(lines)
    first = next(source, None)
    if isinstance(first, Fail):
        return send(first.status, {"error": first.message}, "application/json")

    def ndjson() -> Iterator[bytes]:
        try:
            item = first
            while item is not None:
                yield go_json(item if isinstance(item, dict) else {"error": item.message}) + b"\n"
                item = next(source, None)
        finally:
            close = getattr(source, "close", None)
            if close:
                close()  # a client that left: the source's own `finally` runs now

    return Answer(200, ndjson(), {"Content-Type": "application/x-ndjson"})


def last_only(lines: Lines) -> Answer:
    """waitForStream (`stream:false`): only the last message, or the failure, at the end."""
    last: dict = {}
    for item in lines:
        if isinstance(item, Fail):
            return send(item.status, {"error": item.message}, "application/json")
        last = item
    return send(200, last, "application/json")


def stream_for(body: dict, lines: Lines) -> Answer:
    return last_only(lines) if body.get("stream") is False else streamed(lines)
