"""Byte shapes of Ollama's replies: Go-style JSON, NDJSON streams, in-band errors, timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tests.fakes.httpserver import FakeHandler

GIN_JSON = "application/json; charset=utf-8"


def go_json(obj: Any) -> bytes:
    """json.Marshal's bytes: compact, non-ASCII kept, and <, >, & escaped as Go does."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def send(h: FakeHandler, status: int, obj: Any, content_type: str = GIN_JSON) -> None:
    """gin's c.JSON: a sized body with a charset."""
    h.send_bytes(status, go_json(obj), content_type)


def error(h: FakeHandler, status: int, message: str) -> None:
    send(h, status, {"error": message})


def rfc3339nano(moment: datetime, *, utc: bool = False) -> str:
    """Go's RFC3339Nano: nine fractional digits (trailing zeros trimmed), local offset or Z."""
    moment = moment.astimezone(UTC) if utc else moment.astimezone()
    frac = f"{moment.microsecond:06d}417".rstrip("0")
    base = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "")
    if utc:
        return base + "Z"
    offset = moment.strftime("%z")
    return f"{base}{offset[:3]}:{offset[3:]}"


def body_or_error(h: FakeHandler) -> dict | None:
    """The JSON request body, or None after answering 400 the way ShouldBindJSON does."""
    try:
        body = h.read_json()
    except ValueError as exc:
        error(h, 400, f"invalid character in request body: {exc}")
        return None
    if body is None:
        error(h, 400, "missing request body")
        return None
    if not isinstance(body, dict):
        error(h, 400, "json: cannot unmarshal array into Go value of type api.Request")
        return None
    return body


class Stream:
    """streamResponse: NDJSON lines; an error is a status reply only while nothing was written."""

    def __init__(self, h: FakeHandler) -> None:
        self.h = h
        self.started = False

    def line(self, obj: dict) -> None:
        if not self.started:
            self.h.start_chunked(200, "application/x-ndjson")
            self.started = True
        self.h.write_chunk(go_json(obj) + b"\n")

    def fail(self, message: str, status: int = 500) -> None:
        if self.started:
            self.line({"error": message})
        else:
            self.h.send_bytes(status, go_json({"error": message}), "application/json")

    def close(self) -> None:
        if self.started:
            self.h.end_chunked()


class LastOnly(Stream):
    """waitForStream (`stream:false`): keep only the last message and send it at the end."""

    def __init__(self, h: FakeHandler) -> None:
        super().__init__(h)
        self.last: dict = {}
        self.error: tuple[str, int] | None = None

    def line(self, obj: dict) -> None:
        self.last = obj

    def fail(self, message: str, status: int = 500) -> None:
        self.error = (message, status)

    def close(self) -> None:
        if self.error:
            message, status = self.error
            self.h.send_bytes(status, go_json({"error": message}), "application/json")
        else:
            self.h.send_bytes(200, go_json(self.last), "application/json")


def stream_for(h: FakeHandler, body: dict) -> Stream:
    return LastOnly(h) if body.get("stream") is False else Stream(h)
