"""bench.relay's event source: job progress events XADDed to the feed at a steady rate, in
its own process so the clients' process does not slow it down."""

from __future__ import annotations

import json
import multiprocessing as mp
import time

import redis

from roundhouse.core.keys import Keys
from roundhouse.core.models import job_event

TICK_S = 0.01


def _generate(url: str, prefix: str, ids: list[str], rate: float, seconds: float, out) -> None:  # type: ignore[no-untyped-def]
    """Round robin over the jobs, `rate` events a second in 10 ms ticks; sends back the count."""
    r = redis.Redis.from_url(url, decode_responses=True)
    feed, seq = Keys(prefix).feed, dict.fromkeys(ids, 1)
    begin, sent, turn = time.monotonic(), 0, 0
    while (now := time.monotonic()) < begin + seconds:
        due = int((now - begin) * rate) - sent
        pipe = r.pipeline(transaction=False)
        for _ in range(due):
            job_id = ids[turn % len(ids)]
            turn += 1
            seq[job_id] += 1
            job = {"id": job_id, "kind": "demo.count", "state": "running", "stage": "count"}
            job |= {"progress": min(0.99, seq[job_id] / 1e4), "done": seq[job_id]}
            event = {"seq": seq[job_id], **job_event(job, event="progress")}
            body = json.dumps(event, separators=(",", ":"))
            pipe.xadd(feed, {"j": job_id, "e": body}, maxlen=20000, approximate=True)
        pipe.execute()
        sent += due
        time.sleep(TICK_S)
    out.put(sent)


def start(url: str, prefix: str, ids: list[str], rate: float, seconds: float):  # type: ignore[no-untyped-def]
    """A running generator process and the queue its event count arrives on."""
    out: mp.Queue = mp.Queue()
    proc = mp.get_context("fork").Process(
        target=_generate, args=(url, prefix, ids, rate, seconds, out), daemon=True
    )
    proc.start()
    return proc, out
