"""A client's view of the event stream: catch-up (snapshot or replay) then live, no gaps, no
duplicates. Shared by the WebSocket and SSE endpoints."""

from __future__ import annotations

import json
import time
from typing import Any

from roundhouse.api.coalesce import Coalescer, fid_ms
from roundhouse.api.deps import AppContext
from roundhouse.api.relay import ALL, Subscription, feed_id_key
from roundhouse.core.errors import NotFound
from roundhouse.core.feed import Entry, with_cursor
from roundhouse.core.job_types import Job

RECENT = 100


def snapshot_frame(jobs: list[Job], cursor: str | None = None) -> str:
    body: dict[str, Any] = {"type": "snapshot", "jobs": jobs}
    if cursor:
        body["cursor"] = cursor
    return json.dumps(body, separators=(",", ":"), default=str)


class Watch:
    """Watches every job (`all_jobs`) or the given ids, resuming from a cursor or seqs."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        all_jobs: bool = False,
        ids: list[str] | None = None,
        cursor: str | None = None,
        after: dict[str, int] | None = None,
    ) -> None:
        self.ctx, self.all_jobs = ctx, all_jobs
        self.cursor, self.after = cursor, dict(after or {})
        self.ids = list(ids or [])
        self.last_seq: dict[str, int] = {}
        self.min_fid = (0, 0)
        self.caught_up = False  # feed ids only grow: once past min_fid, no more comparisons
        self.sent_fid = ""  # the newest feed id handled, the cursor of coalesced frames
        self.coalescer = Coalescer() if all_jobs else None
        self.sub: Subscription | None = None

    def open(self) -> list[str]:
        """Subscribe first, then catch up, so nothing falls between the two."""
        topics = {ALL} if self.all_jobs else set(self.ids)
        self.sub = self.ctx.relay.subscribe(topics)
        frames = self._catch_up_all() if self.all_jobs else []
        for job_id in self.ids:
            frames += self._catch_up_job(job_id)
        return frames

    def add(self, ids: list[str], after: dict[str, int]) -> list[str]:
        """Watch more jobs on the same connection."""
        new = [i for i in ids if i not in self.last_seq]
        self.after.update(after)
        assert self.sub is not None
        self.sub.add(set(new))
        frames: list[str] = []
        for job_id in new:
            frames += self._catch_up_job(job_id)
        return frames

    def next(self, timeout: float | None) -> list[str]:
        """Frames for the live entries that arrive within `timeout` (None: until some arrive
        or wake() is called); none already sent. The common wake-up (entries, nothing held)
        costs no clock reads or timers: bench.relay counts the server's CPU per frame."""
        assert self.sub is not None
        c = self.coalescer
        if c is None:
            return [f for entry in self._drain(timeout) if (f := self._frame(entry))]
        entries = self._drain(c.wait(time.monotonic(), timeout) if c.held else timeout)
        if not entries and not c.held:
            return []
        now = time.monotonic()
        frames = [f for entry in entries if (f := self._all_frame(entry, now))]
        if c.held:
            frames += [with_cursor(e, self.sent_fid) for e in c.due(now)]
        return frames

    def wake(self) -> None:
        """End a waiting next() early."""
        if self.sub is not None:
            self.sub.wake()

    def _drain(self, timeout: float | None) -> list[Entry]:
        """The subscriber's entries; their lag (feed write -> now) goes to GET /metrics once
        per batch, as the oldest entry's (the per-entry cost showed in bench.relay)."""
        assert self.sub is not None
        entries = self.sub.drain(timeout)
        if entries:
            lag = max(0.0, time.time() * 1000 - fid_ms(entries[0].fid))
            self.ctx.relay.lag.observe(lag, len(entries))
        return entries

    def _all_frame(self, entry: Entry, now: float) -> str | None:
        if not self.caught_up:
            if feed_id_key(entry.fid) <= self.min_fid:
                return None
            self.caught_up = True
        self.sent_fid = entry.fid
        assert self.coalescer is not None
        if entry.job in self.last_seq or self.coalescer.offer(entry, now):
            return entry.with_cursor()  # a job followed by name gets every event
        return None

    def _frame(self, entry: Entry) -> str | None:
        if entry.job and entry.seq <= self.last_seq.get(entry.job, 0):
            return None
        if entry.job:
            self.last_seq[entry.job] = entry.seq
        return entry.event

    @property
    def overflowed(self) -> bool:
        return bool(self.sub and self.sub.overflowed)

    def close(self) -> None:
        if self.sub:
            self.sub.close()

    def _catch_up_all(self) -> list[str]:
        feed = self.ctx.stores.feed
        entries = feed.since(self.cursor) if self.cursor else None
        if entries is None:
            last = feed.last_id()
            self.min_fid, self.sent_fid = feed_id_key(last), last
            jobs, _ = self.ctx.jobs.list(limit=RECENT)
            return [snapshot_frame(jobs, last)]
        if entries:
            self.min_fid = feed_id_key(entries[-1].fid)
            self.sent_fid = entries[-1].fid
        elif self.cursor:
            self.min_fid = feed_id_key(self.cursor)
            self.sent_fid = self.cursor
        return [entry.with_cursor() for entry in entries]

    def _catch_up_job(self, job_id: str) -> list[str]:
        try:
            job = self.ctx.jobs.get(job_id)
        except NotFound as exc:
            return [json.dumps({"type": "error", "id": job_id, **exc.to_dict()})]
        if job_id not in self.after:
            self.last_seq[job_id] = job["seq"]
            return [snapshot_frame([job])]
        after = self.after[job_id]
        events = self.ctx.jobs.numbered_events(job_id, after)
        frames = []
        if after and (not events or events[0][0] > after + 1) and job["seq"] > after:
            frames.append(snapshot_frame([job]))  # the missed events were trimmed
        frames += [event for _, event in events]
        self.last_seq[job_id] = max([after, *(seq for seq, _ in events)])
        return frames
