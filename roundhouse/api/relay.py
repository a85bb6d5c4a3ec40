"""One Redis reader per API process, fanning feed entries out to every subscribed client."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import redis

from roundhouse.core.backoff import Backoff
from roundhouse.core.feed import Entry, Feed
from roundhouse.core.metrics import LagHistogram

log = logging.getLogger(__name__)

ALL = "*"
#: A client this far behind is dropped; it reconnects with its cursor and replays instead.
MAX_BACKLOG = 5000
REDIS_BACKOFF = Backoff(base_s=0.1, max_s=2.0)  # relay's reconnect to Redis


class Subscription:
    """A client's inbox of feed entries for the topics it watches (one wake-up per batch)."""

    def __init__(self, relay: Relay, topics: set[str]) -> None:
        self.relay, self.topics = relay, set(topics)
        self.inbox: deque[Entry] = deque()
        self.ready = threading.Event()
        self.overflowed = False

    def push(self, entries: list[Entry]) -> None:
        """Called by the relay's reader; a client too far behind is marked, not fed."""
        if len(self.inbox) + len(entries) > MAX_BACKLOG:
            self.overflowed = True
            self.ready.set()
            return
        self.inbox.extend(entries)
        self.ready.set()

    def drain(self, timeout: float | None, limit: int = 1000) -> list[Entry]:
        """Wait up to `timeout` (None: until entries or a wake()), then take what is there."""
        if not self.inbox and not self.ready.wait(timeout):
            return []
        self.ready.clear()
        inbox = self.inbox
        batch = [inbox.popleft() for _ in range(min(limit, len(inbox)))]
        if inbox:
            self.ready.set()
        return batch

    def wake(self) -> None:
        """Return a waiting drain() early (a client message arrived, or the socket closed)."""
        self.ready.set()

    def add(self, topics: set[str]) -> None:
        self.relay._retopic(self, self.topics | topics)

    def close(self) -> None:
        self.relay._retopic(self, set())


class Relay:
    """Follows the global feed with XREAD BLOCK (bounded) and dispatches by job id."""

    def __init__(self, feed: Feed, block_ms: int = 1000) -> None:
        self.feed, self.block_ms = feed, block_ms
        self.reader = feed.dedicated()  # the follow loop's own connection
        self._lock = threading.Lock()
        self._by_topic: dict[str, set[Subscription]] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.cursor = "$"
        self.lag = LagHistogram()  # feed write -> frame sent, for GET /metrics

    def subscribe(self, topics: set[str]) -> Subscription:
        self.start()
        sub = Subscription(self, set())
        self._retopic(sub, topics)
        return sub

    def clients(self) -> int:
        with self._lock:
            return len({s for subs in self._by_topic.values() for s in subs})

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self.cursor = self.feed.last_id()
                self._thread = threading.Thread(target=self._follow, name="relay", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _retopic(self, sub: Subscription, topics: set[str]) -> None:
        with self._lock:
            for topic in sub.topics - topics:
                self._by_topic.get(topic, set()).discard(sub)
            for topic in topics - sub.topics:
                self._by_topic.setdefault(topic, set()).add(sub)
            sub.topics = set(topics)

    def _follow(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                entries = self.reader.read(self.cursor, self.block_ms)
                failures = 0
            except redis.RedisError:
                failures += 1
                wait = REDIS_BACKOFF.delay(failures)
                log.warning("relay lost Redis; retrying in %.1fs", wait)
                time.sleep(wait)
                continue
            if entries:
                self.cursor = entries[-1].fid
                self._dispatch(entries)

    def _dispatch(self, entries: list[Entry]) -> None:
        """One push per subscriber per read: everything to ALL, each job's to its followers."""
        with self._lock:
            everyone = list(self._by_topic.get(ALL, ()))
            some: dict[Subscription, list[Entry]] = {}
            for entry in entries:
                for sub in self._by_topic.get(entry.job, ()):
                    some.setdefault(sub, []).append(entry)
        for sub in everyone:
            sub.push(entries)
        for sub, mine in some.items():
            if ALL not in sub.topics:
                sub.push(mine)


def feed_id_key(fid: str) -> tuple[int, int]:
    ms, _, n = fid.partition("-")
    return int(ms), int(n or 0)
