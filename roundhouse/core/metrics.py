"""Shared counts behind GET /metrics, kept in Redis.

Every API process and every prefork worker process adds to the same numbers, so any API
process answers a scrape with the whole deployment's counts (prometheus_client's own counters
would be per process). Per-process gauges (WebSocket clients, relay lag) are published by each
API process under its own name and read back by whichever process is scraped.
"""

from __future__ import annotations

import bisect
import json
import time
from typing import Any

import redis

from roundhouse.core.keys import Keys

#: job duration buckets in seconds (upper bounds; +Inf is implied)
DURATION_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0)
#: relay lag buckets in milliseconds
LAG_BUCKETS_MS = (1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0, 5000.0)
#: a process that has not published for this long is gone
PROCESS_FRESH_S = 15.0


def bucket(value: float, bounds: tuple[float, ...]) -> str:
    """The label of the first bucket holding `value` (counts are cumulated when read)."""
    i = bisect.bisect_left(bounds, value)
    return repr(bounds[i]) if i < len(bounds) else "+Inf"


class Metrics:
    """Increments and reads of the shared counters."""

    def __init__(self, r: redis.Redis, keys: Keys) -> None:
        self.r, self.keys = r, keys

    def job_started(self, kind: str) -> None:
        self.r.hincrby(self.keys.metrics, f"started|{kind}", 1)

    def job_finished(self, kind: str, state: str, duration_s: float | None) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.hincrby(self.keys.metrics, f"finished|{kind}|{state}", 1)
        if duration_s is not None and duration_s >= 0:
            pipe.hincrby(
                self.keys.metrics, f"duration|{kind}|{bucket(duration_s, DURATION_BUCKETS)}"
            )
            pipe.hincrbyfloat(self.keys.metrics, f"duration_sum|{kind}", duration_s)
        pipe.execute()

    def bytes_downloaded(self, kind: str, n: int) -> None:
        if n > 0:
            self.r.hincrby(self.keys.metrics, f"bytes|{kind}", n)

    def counters(self) -> dict[str, str]:
        return self.r.hgetall(self.keys.metrics)

    def queue_depths(self, queues: list[str]) -> list[int]:
        """Messages waiting in each Celery queue (the broker keeps each as a list of that name)."""
        pipe = self.r.pipeline(transaction=False)
        for name in queues:
            pipe.llen(name)
        return pipe.execute()

    def waiting_pools(self) -> dict[str, int]:
        """Pool -> jobs waiting in line for one of its slots (core/slots.py)."""
        prefix = self.keys.waiting("")
        return {
            key[len(prefix) :]: self.r.zcard(key)
            for key in self.r.scan_iter(match=prefix + "*", count=500)
        }

    def publish_process(self, name: str, gauges: dict[str, Any]) -> None:
        body = json.dumps({**gauges, "at": time.time()}, separators=(",", ":"))
        self.r.hset(self.keys.metrics_processes, name, body)

    def processes(self) -> dict[str, dict[str, Any]]:
        """Live processes' gauges; entries of processes gone quiet are dropped."""
        fresh, stale = {}, []
        for name, raw in self.r.hgetall(self.keys.metrics_processes).items():
            data = json.loads(raw)
            if time.time() - data.get("at", 0) <= PROCESS_FRESH_S:
                fresh[name] = data
            else:
                stale.append(name)
        if stale:
            self.r.hdel(self.keys.metrics_processes, *stale)
        return fresh


class LagHistogram:
    """Relay lag of one API process (milliseconds), bucketed like prometheus' histograms."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.total_ms = 0.0

    def observe(self, ms: float, count: int = 1) -> None:
        """`count` frames with this lag (a relay batch is observed once, by its oldest)."""
        label = bucket(ms, LAG_BUCKETS_MS)
        self.counts[label] = self.counts.get(label, 0) + count
        self.total_ms += ms * count

    def summary(self) -> dict[str, Any]:
        return {"buckets": dict(self.counts), "sum": round(self.total_ms, 3)}
