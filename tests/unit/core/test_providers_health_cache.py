"""Health cache: fresh reads are one round trip, one check for many callers, stale when busy."""

from __future__ import annotations

import json
import threading
import time
import uuid

import fakeredis
import pytest

from roundhouse.core.health_cache import HealthCache
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect


def make(redis_url: str | None = None, fake=None, ttl: float = 5.0) -> HealthCache:  # type: ignore[no-untyped-def]
    client = fake if fake is not None else connect(str(redis_url))
    return HealthCache(
        client, Keys(f"hc{uuid.uuid4().hex[:6]}:"), ttl_s=ttl, lock_s=3.0, feed_cap=1000
    )


def verdicts(ok: bool = True) -> dict:
    return {"ollama": {"ok": ok, "error": None if ok else "down"}, "flux": {"ok": True}}


def test_a_fresh_cache_is_served_without_checking(fake_redis) -> None:  # type: ignore[no-untyped-def]
    cache = make(fake=fake_redis)
    calls: list[int] = []
    first = cache.get(lambda: calls.append(1) or verdicts())
    second = cache.get(lambda: calls.append(1) or verdicts())
    assert calls == [1] and first.fresh and second.results == first.results
    cache.get(lambda: calls.append(1) or verdicts(), refresh=True)
    assert calls == [1, 1]


def test_an_expired_cache_is_checked_again(fake_redis) -> None:  # type: ignore[no-untyped-def]
    cache = make(fake=fake_redis, ttl=0.05)
    calls: list[int] = []
    cache.get(lambda: calls.append(1) or verdicts())
    time.sleep(0.1)
    assert not cache.read().fresh
    cache.get(lambda: calls.append(1) or verdicts())
    assert calls == [1, 1]


def test_many_callers_cause_one_check(module_redis: str) -> None:
    cache = make(module_redis)
    calls: list[int] = []

    def slow() -> dict:
        calls.append(1)
        time.sleep(0.3)
        return verdicts()

    got: list = []
    threads = [
        threading.Thread(target=lambda: got.append(cache.get(slow, wait_s=3.0))) for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and len(got) == 12
    assert all(g.results["ollama"]["ok"] for g in got)


class RacingRedis(fakeredis.FakeRedis):
    """After the `race_at`-th read of the cache, the lock holder writes its result and lets go:
    between a waiter's read and its look at the lock, as a loaded machine schedules it."""

    holder: HealthCache
    race_at = 0

    def hgetall(self, name):  # type: ignore[no-untyped-def]
        seen = super().hgetall(name)
        self.race_at -= 1
        if self.race_at == 0:
            self.holder.record(verdicts(), full=True)
            self.delete(self.holder.keys.health_lock)
        return seen


def test_a_waiter_gets_the_result_written_just_before_the_lock_went() -> None:
    """Seen once under load: a caller got an empty answer (KeyError 'ollama')."""
    racing = RacingRedis(decode_responses=True)
    cache = racing.holder = make(fake=racing)
    racing.set(cache.keys.health_lock, "another-process", px=5000)
    racing.race_at = 2  # get()'s own read, then the first read while waiting
    found = cache.get(lambda: pytest.fail("must not check"), wait_s=3.0)
    assert found.results == verdicts() and found.fresh


def test_a_busy_check_serves_the_stale_result(module_redis: str) -> None:
    cache = make(module_redis, ttl=0.05)
    cache.get(verdicts)
    time.sleep(0.1)
    cache.r.set(cache.keys.health_lock, "someone-else", px=5000)  # another process checking
    began = time.monotonic()
    found = cache.get(lambda: pytest.fail("must not check"), wait_s=0.2)
    assert time.monotonic() - began < 4 and found.results == verdicts() and not found.fresh


def test_a_flip_is_announced_on_the_feed(fake_redis) -> None:  # type: ignore[no-untyped-def]
    cache = make(fake=fake_redis)
    cache.record(verdicts(ok=True), full=True)
    assert cache.record(verdicts(ok=True)) == {}
    flips = cache.record(verdicts(ok=False))
    assert flips == {"ollama": {"ok": False, "error": "down"}}
    [(_, fields)] = fake_redis.xrange(cache.keys.feed)
    event = json.loads(fields["e"])
    assert event["type"] == "health" and event["changes"] == flips


def test_a_failed_check_releases_the_lock(fake_redis) -> None:  # type: ignore[no-untyped-def]
    cache = make(fake=fake_redis)

    def broken() -> dict:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get(broken)
    assert not fake_redis.exists(cache.keys.health_lock)
