"""What the API remembers about logging in: page sessions (revocable) and failed attempts per
client address (so a network-exposed API cannot be brute-forced)."""

from __future__ import annotations

import json
import secrets
import time

import redis

from roundhouse.core.keys import Keys

SESSION_TTL_S = 30 * 24 * 3600


class Sessions:
    """A session is a random id kept in Redis; the cookie carries it signed, never the token."""

    def __init__(self, r: redis.Redis, keys: Keys, ttl_s: int = SESSION_TTL_S) -> None:
        self.r, self.keys, self.ttl_s = r, keys, ttl_s

    def create(self, address: str) -> str:
        session_id = secrets.token_urlsafe(32)
        record = json.dumps({"created_at": time.time(), "address": address})
        self.r.set(self.keys.session(session_id), record, ex=self.ttl_s)
        return session_id

    def valid(self, session_id: str) -> bool:
        return bool(session_id) and bool(self.r.exists(self.keys.session(session_id)))

    def revoke(self, session_id: str) -> None:
        self.r.delete(self.keys.session(session_id))


class FailedAttempts:
    """Wrong tokens per client address in a fixed window; over `limit`, the address waits."""

    def __init__(self, r: redis.Redis, keys: Keys, limit: int = 10, window_s: int = 60) -> None:
        self.r, self.keys, self.limit, self.window_s = r, keys, limit, window_s

    def retry_after(self, address: str) -> int | None:
        """Seconds the address must wait before trying again, or None if it may try now."""
        key = self.keys.auth_failures(address)
        pipe = self.r.pipeline(transaction=False)
        pipe.get(key)
        pipe.ttl(key)
        count, ttl = pipe.execute()
        if count is None or int(count) < self.limit:
            return None
        return max(1, int(ttl)) if ttl and ttl > 0 else self.window_s

    def record(self, address: str) -> int:
        """Count one failure; returns the failures in the current window."""
        key = self.keys.auth_failures(address)
        pipe = self.r.pipeline(transaction=True)
        pipe.set(key, 0, ex=self.window_s, nx=True)  # the window starts at the first failure
        pipe.incr(key)
        _, count = pipe.execute()
        return int(count)
