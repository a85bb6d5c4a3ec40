"""The worker registry: which worker processes beat lately (GET /healthz counts them)."""

from __future__ import annotations

import redis

from roundhouse.core.keys import Keys
from roundhouse.core.models import now

#: A worker that has not beaten for this long is not counted as live (/healthz, the grid).
FRESH_S = 10.0
#: A worker silent this long past the freshness window is dropped from the registry.
FORGET_AFTER_S = 3600.0


class Workers:
    """Reads and writes `keys.workers` (hash: worker name -> last beat, epoch seconds)."""

    def __init__(self, r: redis.Redis, keys: Keys) -> None:
        self.r, self.keys = r, keys

    def beat(self, name: str) -> None:
        self.r.hset(self.keys.workers, name, now())

    def live(self, within_s: float) -> list[str]:
        """Workers that beat within `within_s`; long-silent ones are forgotten on the way."""
        seen = self.r.hgetall(self.keys.workers)
        cutoff = now() - within_s
        stale = [n for n, ts in seen.items() if float(ts) < cutoff - FORGET_AFTER_S]
        if stale:
            self.r.hdel(self.keys.workers, *stale)
        return sorted(n for n, ts in seen.items() if float(ts) >= cutoff)
