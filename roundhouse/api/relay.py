"""One Redis reader per API process, fanning feed entries out to every subscribed client."""

from __future__ import annotations

import logging
import queue
import threading
import time

import redis

from roundhouse.core import feed
from roundhouse.core.keys import Keys
from roundhouse.core.metrics import LagHistogram

log = logging.getLogger(__name__)

ALL = "*"
#: A client this far behind is dropped; it reconnects with its cursor and replays instead.
MAX_BACKLOG = 5000


class Subscription:
    """A client's inbox of feed entries for the topics it watches."""

    def __init__(self, relay: Relay, topics: set[str]) -> None:
        self.relay, self.topics = relay, set(topics)
        self.inbox: queue.Queue[feed.Entry] = queue.Queue()
        self.overflowed = False

    def get(self, timeout: float) -> feed.Entry | None:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self, timeout: float, limit: int = 200) -> list[feed.Entry]:
        """Wait for one entry, then take whatever else is already there (one wake-up)."""
        first = self.get(timeout)
        if first is None:
            return []
        batch = [first]
        while len(batch) < limit:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def add(self, topics: set[str]) -> None:
        self.relay._retopic(self, self.topics | topics)

    def close(self) -> None:
        self.relay._retopic(self, set())


class Relay:
    """Follows the global feed with XREAD BLOCK (bounded) and dispatches by job id."""

    def __init__(self, r: redis.Redis, keys: Keys, block_ms: int = 1000) -> None:
        self.r, self.keys, self.block_ms = r, keys, block_ms
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
                self.cursor = feed.last_id(self.r, self.keys)
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
        backoff = 0.1
        while not self._stop.is_set():
            try:
                entries = feed.read(self.r, self.keys, self.cursor, self.block_ms)
                backoff = 0.1
            except redis.RedisError:
                log.warning("relay lost Redis; retrying in %.1fs", backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            for entry in entries:
                self.cursor = entry[0]
                self._dispatch(entry)

    def _dispatch(self, entry: feed.Entry) -> None:
        with self._lock:
            targets = self._by_topic.get(ALL, set()) | self._by_topic.get(entry[1], set())
        for sub in targets:
            if sub.inbox.qsize() >= MAX_BACKLOG:
                sub.overflowed = True
                continue
            sub.inbox.put(entry)


def seq_of(event_json: str) -> int:
    """Job events start with '{"seq":N,' (written so by core/scripts.py)."""
    if event_json.startswith('{"seq":'):
        return int(event_json[7 : event_json.index(",")])
    return 0


def with_cursor(event_json: str, cursor: str) -> str:
    return '{"cursor":"' + cursor + '",' + event_json[1:]


def feed_id_key(fid: str) -> tuple[int, int]:
    ms, _, n = fid.partition("-")
    return int(ms), int(n or 0)
