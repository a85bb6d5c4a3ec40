"""Server-Sent Events for one job, resuming from Last-Event-ID (the job's event seq)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from flask import Response, request

from roundhouse.api import access
from roundhouse.api.watch import Watch
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.models import TERMINAL

KEEPALIVE_S = 15.0


def last_event_id() -> int:
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidRequest("Last-Event-ID must be the seq of the last event seen (a number).")
    return int(raw)


def sse_frame(event_json: str) -> str:
    """A job event's seq is its SSE id (a replay frame has none): Last-Event-ID resumes it."""
    seq = json.loads(event_json).get("seq")
    head = f"id: {seq}\n" if seq else ""
    return f"{head}data: {event_json}\n\n"


def is_final(event_json: str) -> bool:
    event = json.loads(event_json)
    return (
        event.get("type") == "job"
        and event.get("state") in TERMINAL
        and event.get("event") in ("state", "created", None)
    )


def job_stream(
    watch: Watch,
    frame: Callable[[str], str] = sse_frame,
    final: Callable[[str], bool] = is_final,
) -> Response:
    """Replay then live; ends after the job's terminal event."""
    access.check_socket()

    def generate() -> Iterator[str]:
        try:
            yield "retry: 2000\n\n"
            for event in watch.open():
                yield frame(event)
                if final(event):
                    return
            waited = 0.0
            while True:
                events = watch.next(1.0)
                waited = 0.0 if events else waited + 1.0
                for event in events:
                    yield frame(event)
                    if final(event):
                        return
                if waited >= KEEPALIVE_S:
                    waited = 0.0
                    yield ": keepalive\n\n"
        finally:
            watch.close()

    return Response(
        generate(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
