"""The per-host service records: merge, compare-and-set on the state, one feed event each."""

from __future__ import annotations

import json

import fakeredis

from roundhouse.core.keys import Keys
from roundhouse.core.services import ServiceStore, machine_view, public

KEYS = Keys("rh:")


def feed_events(r: fakeredis.FakeRedis) -> list[dict]:
    return [json.loads(fields["e"]) for _, fields in r.xrange(KEYS.feed)]


def test_change_merges_records_the_host_and_announces(fake_redis: fakeredis.FakeRedis) -> None:
    store = ServiceStore(fake_redis, KEYS)
    store.change("a", "flux", {"state": "running", "pid": 7, "record": {"keeper_pid": 6}})
    entry = store.change("a", "flux", {"message": "ok"})
    assert entry is not None and entry["pid"] == 7 and entry["message"] == "ok"
    assert store.get("a", "flux") == entry and store.all("a") == {"flux": entry}
    assert store.hosts() == ["a"] and store.get("b", "flux") is None
    events = feed_events(fake_redis)
    assert [e["type"] for e in events] == ["service", "service"]
    assert events[0]["service"] == "flux" and events[0]["host"] == "a"
    assert "record" not in events[0], "process plumbing stays out of events"


def test_expect_writes_only_when_the_state_is_still_the_one_seen(
    fake_redis: fakeredis.FakeRedis,
) -> None:
    store = ServiceStore(fake_redis, KEYS)
    assert store.change("a", "flux", {"state": "running"}, expect=None) is not None
    assert store.change("a", "flux", {"state": "crashed"}, expect="running") is not None
    # a second watcher that also saw "running" must not announce the crash again
    assert store.change("a", "flux", {"state": "crashed"}, expect="running") is None
    assert len(feed_events(fake_redis)) == 2


def test_announce_changes_nothing_stored(fake_redis: fakeredis.FakeRedis) -> None:
    store = ServiceStore(fake_redis, KEYS)
    store.announce("a", "ollama", {"state": "starting", "job_id": "j1"})
    assert store.all("a") == {} and store.hosts() == []
    assert feed_events(fake_redis)[0]["state"] == "starting"


def test_add_host_and_garbage_entries(fake_redis: fakeredis.FakeRedis) -> None:
    store = ServiceStore(fake_redis, KEYS)
    store.add_host("b")
    fake_redis.hset(KEYS.services("b"), "bad", "not json")
    assert store.hosts() == ["b"] and store.all("b") == {}


def test_public_hides_the_record_and_view_is_stable() -> None:
    assert public({"state": "running", "record": {"x": 1}}) == {"state": "running"}
    assert machine_view() == machine_view() != ""
