"""The relay against a real Redis: a watcher of every job gets coalesced progress but every
final state, never an older frame after a newer one; a follower of one job gets every event."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import redis

from roundhouse.api.deps import AppContext
from roundhouse.api.relay import Relay
from roundhouse.api.watch import Watch
from roundhouse.core.keys import Keys
from roundhouse.core.models import JobState
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores


def app_context(redis_url: str) -> AppContext:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    r.flushdb()
    stores = Stores(r, Keys("coal:"), Settings())
    return AppContext(Settings(), stores, lambda job: None, Relay(stores.feed, 200))


def collect(
    watch: Watch, done: Callable[[list[dict[str, Any]]], bool], bound: float = 30
) -> list[dict[str, Any]]:
    """Frames until `done(frames)` holds, then 0.3 s more to catch a late one that would come
    after them; a loaded machine may take seconds to deliver, so no fixed window."""
    frames: list[dict[str, Any]] = []
    deadline = time.monotonic() + bound
    while not done(frames):
        assert time.monotonic() < deadline, f"not all frames came in {bound} s: {frames[-3:]}"
        frames += [json.loads(f) for f in watch.next(0.05)]
    until = time.monotonic() + 0.3
    while time.monotonic() < until:
        frames += [json.loads(f) for f in watch.next(0.05)]
    return frames


def finals(ids: list[str]) -> Callable[[list[dict[str, Any]]], bool]:
    """Done once every job's final state came."""
    return lambda frames: {f.get("id") for f in frames if f.get("state") == "succeeded"} >= set(ids)


def test_all_watchers_get_coalesced_progress_and_every_final_state(module_redis: str) -> None:
    ctx = app_context(module_redis)
    ids = [ctx.jobs.create("demo.count", {})[0]["id"] for _ in range(5)]
    everything = Watch(ctx, all_jobs=True)
    everything.open()
    one = Watch(ctx, ids=[ids[0]], after={ids[0]: 0})
    one.open()
    began = time.monotonic()
    for step in range(60):  # 60 progress events per job in ~0.3 s: 200 a second each
        for job_id in ids:
            ctx.jobs.update(job_id, {"progress": step / 60, "done": step})
        time.sleep(0.005)
    for job_id in ids:
        ctx.jobs.finish(job_id, JobState.SUCCEEDED, {"message": "done"}, allowed=("queued",))
    took = time.monotonic() - began
    frames = collect(everything, finals(ids))
    followed = collect(one, finals(ids[:1]))
    ctx.relay.stop()

    by_job: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in frames:
        if f.get("type") == "job":
            by_job[f["id"]].append(f)
    for job_id in ids:
        seqs = [f["seq"] for f in by_job[job_id]]
        assert seqs == sorted(seqs), "a late frame came after a newer one"
        assert by_job[job_id][-1]["state"] == "succeeded"  # the final state, last
        progress = [f for f in by_job[job_id] if f["event"] == "progress"]
        assert 1 <= len(progress) <= took / 0.1 + 2, len(progress)
    cursors = [f["cursor"] for f in frames if "cursor" in f]
    assert cursors == sorted(cursors, key=lambda c: tuple(map(int, c.split("-"))))
    assert [f["seq"] for f in followed] == list(range(2, 63))  # every event after `created`
