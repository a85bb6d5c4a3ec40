"""Follow jobs over the WebSocket: replay what was missed, then live, across reconnects.

The follower remembers the last `seq` it saw of every job; after the connection drops (an
API restart, a network blip) it reconnects with backoff and subscribes with `after` = those
seqs, so the server replays exactly the missed events: none lost, none twice.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from simple_websocket import Client, ConnectionClosed, ConnectionError

from roundhouse.cli.config import Target
from roundhouse.cli.errors import ApiError, Unreachable
from roundhouse.core.backoff import Backoff

END_STATES = ("succeeded", "failed", "cancelled", "paused")
PING_AFTER_S = 15.0  #: idle this long: ask the server for a pong
DEAD_AFTER_S = 40.0  #: silent this long: the connection is gone, reconnect
RECONNECT = Backoff(base_s=0.25, max_s=2.0)  # waits between tries to reach the API again

Frame = dict[str, Any]


class Follower:
    """Yields every frame about `ids` until each has ended (or paused)."""

    def __init__(
        self,
        target: Target,
        ids: list[str],
        *,
        from_start: set[str] | None = None,
        give_up_after: float = 60.0,
        on_notice: Callable[[str], None] = lambda text: None,
        still_paused: Callable[[str], bool] = lambda job_id: True,
    ) -> None:
        self.target, self.ids = target, list(dict.fromkeys(ids))
        self.after: dict[str, int] = {i: 0 for i in (from_start or ())}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.pending = set(self.ids)
        self.give_up_after, self.notice, self.still_paused = give_up_after, on_notice, still_paused
        self.reconnects = 0

    def frames(self) -> Iterator[Frame]:
        while self.pending:
            ws = self._connect()
            try:
                yield from self._read(ws)
            except (ConnectionClosed, OSError):
                pass
            finally:
                with contextlib.suppress(ConnectionClosed, OSError):
                    ws.close()
            if self.pending:
                self.reconnects += 1
                self.notice("Connection to Roundhouse lost; reconnecting...")

    def _connect(self) -> Client:
        headers = {"Authorization": f"Bearer {self.target.token}"} if self.target.token else None
        deadline = time.monotonic() + self.give_up_after
        for attempt in range(1_000_000):
            try:
                return Client.connect(self.target.ws_url, headers=headers)
            except ConnectionError as exc:
                if exc.status_code in (401, 403):
                    raise ApiError(exc.status_code, refused(exc.status_code)) from exc
            except OSError:
                pass
            if time.monotonic() >= deadline:
                break
            time.sleep(RECONNECT.delay(attempt + 1))
        ids = " ".join(sorted(self.pending))
        raise Unreachable(
            f"Lost Roundhouse at {self.target.url} for {self.give_up_after:.0f}s.",
            f"The job keeps running on the server; re-attach with: roundhouse jobs --follow {ids}",
        )

    def _read(self, ws: Client) -> Iterator[Frame]:
        wanted = sorted(self.pending)
        after = {i: self.after[i] for i in wanted if i in self.after}
        hello = {"subscribe": wanted, "batch": True, **({"after": after} if after else {})}
        ws.send(json.dumps(hello))
        heard = time.monotonic()
        while self.pending:
            raw = ws.receive(timeout=1.0)
            now = time.monotonic()
            if raw is None:
                if now - heard > DEAD_AFTER_S:
                    return
                if now - heard > PING_AFTER_S:
                    ws.send(json.dumps({"ping": 1}))
                continue
            heard = now
            data = json.loads(raw)
            for frame in data if isinstance(data, list) else [data]:  # one frame or a list
                yield from self._accept(frame)

    def _accept(self, frame: Frame) -> Iterator[Frame]:
        kind = frame.get("type")
        if kind == "snapshot":
            jobs = [j for j in frame.get("jobs", []) if j.get("id") in self.pending]
            for job in jobs:
                self.after[job["id"]] = max(self.after.get(job["id"], 0), int(job.get("seq") or 0))
                self._merge(job)
            if jobs:
                yield frame
        elif kind == "job" and frame.get("id") in self.pending:
            job_id, seq = frame["id"], int(frame.get("seq") or 0)
            if seq and seq <= self.after.get(job_id, -1):
                return  # already seen (replay overlap)
            self.after[job_id] = seq
            self._merge(frame)
            yield frame
        elif kind == "error" and frame.get("id") in self.pending:
            self.jobs[frame["id"]] = {"id": frame["id"], "state": "unknown", **frame}
            self.pending.discard(frame["id"])
            yield frame

    def _merge(self, update: dict[str, Any]) -> None:
        job_id = update["id"]
        merged = {**self.jobs.get(job_id, {}), **{k: v for k, v in update.items() if k != "type"}}
        self.jobs[job_id] = merged
        state = merged.get("state")
        if state in END_STATES and (state != "paused" or self.still_paused(job_id)):
            self.pending.discard(job_id)


def refused(status: int) -> dict[str, Any]:
    if status == 401:
        return {
            "error": "unauthorized",
            "message": "The server wants an API token for live progress.",
            "hint": "Pass --token or set ROUNDHOUSE_API_TOKEN.",
        }
    return {"error": "forbidden", "message": "The server refused the live stream (Origin)."}
