"""The WebSocket at /ws: subscribe to all jobs or some, resume from a cursor, then live.

Client -> server (JSON):
  {"subscribe": "all", "cursor": "<feed id>"}            every job and every other event
  {"subscribe": ["<job id>", ...], "after": {"<id>": seq}}  those jobs (replay after seq)
  either may add "batch": true: then one message may carry a JSON list of frames
  {"ping": 1}
Server -> client: event JSON (docs/architecture.md "Events"; "cursor" added on the all-jobs feed),
  {"type": "snapshot", "jobs": [...], "cursor": ...} when catching up by state,
  {"type": "error", "message": ...} for a bad message.
Watchers of every job get progress coalesced (api/coalesce.py); followers of jobs get all.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from typing import Any

from flask import Blueprint
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from roundhouse.api.body import parse_json
from roundhouse.api.deps import app_ctx
from roundhouse.api.watch import Watch
from roundhouse.core.errors import InvalidRequest

log = logging.getLogger(__name__)
sock = Sock()
bp = Blueprint("ws", __name__)

#: How long the first message may take.
HELLO_TIMEOUT_S = 10.0
#: At most this many frames in one list message.
BATCH_MAX = 500


def _parse(raw: Any) -> dict[str, Any]:
    try:
        message = parse_json(raw)
    except InvalidRequest as exc:
        return {"_error": exc.message}
    except TypeError:
        return {"_error": "Messages must be JSON objects."}
    return message if isinstance(message, dict) else {"_error": "Messages must be JSON objects."}


def _error(text: str) -> str:
    return json.dumps({"type": "error", "error": "invalid_request", "message": text})


def _watch_from(message: dict[str, Any]) -> Watch | str:
    target = message.get("subscribe")
    after = message.get("after") or {}
    if not isinstance(after, dict) or not all(isinstance(v, int) for v in after.values()):
        return 'after must map job ids to the last seq seen, e.g. {"abc": 12}.'
    if target == "all":
        cursor = message.get("cursor")
        return Watch(app_ctx(), all_jobs=True, cursor=cursor if isinstance(cursor, str) else None)
    if isinstance(target, list) and target and all(isinstance(i, str) for i in target):
        return Watch(app_ctx(), ids=target[:500], after=after)
    return 'Send {"subscribe": "all"} or {"subscribe": ["<job id>", ...]} first.'


@sock.route("/ws", bp=bp)
def websocket(ws: Any) -> None:
    first = _parse(ws.receive(timeout=HELLO_TIMEOUT_S))
    watch = _watch_from(first) if "_error" not in first else first["_error"]
    if isinstance(watch, str):
        ws.send(_error(watch))
        ws.close(reason=1008, message="bad subscribe")
        return
    batch = first.get("batch") is True
    try:
        _send(ws, watch.open(), batch)
        _pump(ws, watch, batch)
    except ConnectionClosed:
        pass
    finally:
        watch.close()


def _send(ws: Any, frames: list[str], batch: bool) -> None:
    """Each frame on its own, or (batch) several as one JSON list: fewer sends per event."""
    if not batch or len(frames) == 1:
        for frame in frames:
            ws.send(frame)
        return
    for i in range(0, len(frames), BATCH_MAX):
        ws.send("[" + ",".join(frames[i : i + BATCH_MAX]) + "]")


class Inbox:
    """The client's messages, read on their own (green) thread: the sender then sleeps on the
    feed alone, with no timer or socket poll per wake-up (bench.relay: CPU per frame)."""

    def __init__(self, ws: Any, watch: Watch) -> None:
        self.messages: deque[Any] = deque()
        self.closed = False
        self._ws, self._watch = ws, watch
        threading.Thread(target=self._read, name="ws-inbox", daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                self.messages.append(self._ws.receive())
                self._watch.wake()
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            self._watch.wake()


def _pump(ws: Any, watch: Watch, batch: bool) -> None:
    inbox = Inbox(ws, watch)
    while not inbox.closed:
        frames = watch.next(None)
        while inbox.messages:
            _handle(ws, watch, _parse(inbox.messages.popleft()), batch)
        _send(ws, frames, batch)
        if watch.overflowed:
            ws.close(reason=1013, message="too far behind; reconnect with your cursor")
            return


def _handle(ws: Any, watch: Watch, message: dict[str, Any], batch: bool) -> None:
    if "ping" in message:
        ws.send(json.dumps({"type": "pong"}))
    elif isinstance(message.get("subscribe"), list):
        ids = [str(i) for i in message["subscribe"]]
        _send(ws, watch.add(ids, message.get("after") or {}), batch)
    else:
        ws.send(_error(message.get("_error", "Unknown message.")))
