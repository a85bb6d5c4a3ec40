"""Health cache: fresh reads are one round trip, one check for many callers, stale when busy."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest

from roundhouse.core.health_cache import HealthCache
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect


def make(redis_base: str | None = None, fake=None, ttl: float = 5.0) -> HealthCache:  # type: ignore[no-untyped-def]
    client = fake if fake is not None else connect(f"{redis_base}/61")
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


def test_many_callers_cause_one_check(redis_base: str) -> None:
    cache = make(redis_base)
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


def test_a_busy_check_serves_the_stale_result(redis_base: str) -> None:
    cache = make(redis_base, ttl=0.05)
    cache.get(verdicts)
    time.sleep(0.1)
    cache.r.set(cache.keys.health_lock, "someone-else", px=5000)  # another process checking
    began = time.monotonic()
    found = cache.get(lambda: pytest.fail("must not check"), wait_s=0.2)
    assert time.monotonic() - began < 2 and found.results == verdicts() and not found.fresh


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
