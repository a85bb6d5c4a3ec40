"""Health results cached in Redis with single-flight, so many tabs and processes cause one check.

`rh:health` holds one JSON verdict per service plus `_at`, the time of the last full check.
A reader with a fresh cache gets it in one HGETALL. A stale reader tries a short lock
(`rh:lock:health`, SET NX PX): the winner checks and writes; the others wait briefly for that
result and otherwise answer with the stale one. A service whose `ok` flips is announced on
the global feed as a `health` event, so every open page repaints its badges.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from roundhouse.core import feed
from roundhouse.core.keys import Keys
from roundhouse.core.models import EventType

Results = dict[str, dict[str, Any]]
AT = "_at"
# KEYS[1] the health lock   ARGV[1] the token it was taken with
# Deletes the lock only while it is still ours (it may have expired and been taken since).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
POLL_S = 0.05


@dataclass
class Cached:
    """What the cache holds: verdict per service, when the last full check ran, and if fresh."""

    results: Results = field(default_factory=dict)
    checked_at: float | None = None
    fresh: bool = False


class HealthCache:
    """Read, refresh (single-flight) and merge health verdicts; one instance per process."""

    def __init__(
        self, r: redis.Redis, keys: Keys, *, ttl_s: float, lock_s: float, feed_cap: int
    ) -> None:
        self.r, self.keys = r, keys
        self.ttl_s, self.lock_s, self.feed_cap = ttl_s, lock_s, feed_cap

    def read(self) -> Cached:
        """The cached verdicts in one round trip."""
        raw = self.r.hgetall(self.keys.health)
        at = float(raw.pop(AT)) if raw.get(AT) else None
        results = {name: json.loads(value) for name, value in raw.items()}
        fresh = at is not None and time.time() - at < self.ttl_s
        return Cached(results, at, fresh)

    def get(
        self, check: Callable[[], Results], *, refresh: bool = False, wait_s: float = 0.0
    ) -> Cached:
        """Fresh verdicts: cached, checked here (one process at a time), or someone else's."""
        cached = self.read()
        if cached.fresh and not refresh:
            return cached
        token = uuid.uuid4().hex
        if self.r.set(self.keys.health_lock, token, nx=True, px=int(self.lock_s * 1000)):
            try:
                self.record(check(), full=True)
            finally:
                self._release(lock=self.keys.health_lock, token=token)
            return self.read()
        return self._await(cached, wait_s)

    def _release(self, *, lock: str, token: str) -> None:
        """_RELEASE: give the lock back if `token` still holds it."""
        self.r.eval(_RELEASE, 1, lock, token)

    def _await(self, before: Cached, wait_s: float) -> Cached:
        """Wait up to wait_s for the lock holder's result; else the stale one we had."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            time.sleep(POLL_S)
            now = self.read()
            if now.checked_at != before.checked_at:
                return now
            if not self.r.exists(self.keys.health_lock):
                return self.read()  # released after our read: its result is written by now
        return before

    def record(self, results: Results, *, full: bool = False) -> dict[str, dict[str, Any]]:
        """Merge verdicts (a full check also stamps `_at`); announce and return the flips."""
        if not results:
            return {}
        previous = self.r.hmget(self.keys.health, list(results))
        mapping: dict[str, str] = {
            name: json.dumps(verdict, separators=(",", ":"), default=str)
            for name, verdict in results.items()
        }
        if full:
            mapping[AT] = repr(time.time())
        self.r.hset(self.keys.health, mapping=mapping)
        flips = _flips(dict(zip(results, previous, strict=True)), results)
        if flips:
            data = {"event": "changed", "changes": flips, "health": results}
            feed.publish(self.r, self.keys, EventType.HEALTH.value, data, self.feed_cap)
        return flips


def _flips(previous: dict[str, str | None], results: Results) -> dict[str, dict[str, Any]]:
    """Services whose `ok` changed since the last verdict we held."""
    out = {}
    for name, verdict in results.items():
        old = previous.get(name)
        was = json.loads(old).get("ok") if old else None
        if was is not None and bool(was) != bool(verdict.get("ok")):
            out[name] = {"ok": bool(verdict.get("ok")), "error": verdict.get("error")}
    return out
