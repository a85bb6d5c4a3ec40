"""JobStore logic against fakeredis (Lua included): states, events, dedup, listing."""

from __future__ import annotations

import json

import pytest

from roundhouse.core import job_reads
from roundhouse.core.errors import Conflict, InvalidRequest, NotFound
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState


def running(store: JobStore, kind: str = "k", **kw: object) -> dict:
    job, _ = store.create(kind, {"x": 1}, **kw)  # type: ignore[arg-type]
    store.update(
        job["id"],
        {"state": "running", "run": "r1"},
        allowed=("queued",),
        mode="running",
        job=job,
    )
    return store.get(job["id"])


def test_create_emits_first_event_and_indexes(store: JobStore) -> None:
    job, created = store.create("k", {"a": 1})
    assert created and job["state"] == "queued" and job["seq"] == 1
    events = [json.loads(e) for e in store.events(job["id"])]
    assert events[0]["seq"] == 1 and events[0]["event"] == "created"
    assert set(events[0]) >= {
        "id",
        "seq",
        "type",
        "kind",
        "state",
        "stage",
        "progress",
        "done",
        "total",
        "speed",
        "eta",
        "message",
        "error",
        "ts",
    }
    feed = store.r.xrange(store.keys.feed)
    assert feed[0][1]["j"] == job["id"] and json.loads(feed[0][1]["e"])["seq"] == 1


def test_unknown_job_is_a_readable_404(store: JobStore) -> None:
    with pytest.raises(NotFound, match="No job with id 'nope'"):
        store.get("nope")


def test_dedup_returns_the_live_owner_then_frees_the_key(store: JobStore) -> None:
    first, created = store.create("k", {}, dedup="ollama:llama3.2")
    second, created2 = store.create("k", {}, dedup="ollama:llama3.2")
    assert created and not created2 and second["id"] == first["id"]
    store.finish(first["id"], JobState.CANCELLED, {}, allowed=("queued",))
    third, created3 = store.create("k", {}, dedup="ollama:llama3.2")
    assert created3 and third["id"] != first["id"]


def test_guarded_updates_refuse_wrong_state_and_stale_owner(store: JobStore) -> None:
    job = running(store)
    assert store.update(job["id"], {"stage": "x"}, allowed=("queued",)) is None
    assert store.update(job["id"], {"stage": "x"}, allowed=("running",), run="other") is None
    assert store.update(job["id"], {"stage": "x"}, allowed=("running",), run="r1") == 3


def test_finish_sets_expiry_and_leaves_running_set(store: JobStore) -> None:
    job = running(store)
    assert store.r.zscore(store.keys.running, job["id"]) is not None
    store.finish(job["id"], JobState.SUCCEEDED, {"result": {"ok": True}})
    assert store.r.zscore(store.keys.running, job["id"]) is None
    assert store.r.ttl(store.keys.job(job["id"])) > 0
    assert store.get(job["id"])["result"] == {"ok": True}


def test_events_after_seq_replays_only_the_rest(store: JobStore) -> None:
    job = running(store)
    for i in range(5):
        store.update(job["id"], {"done": i}, allowed=("running",), job=job)
    seqs = [json.loads(e)["seq"] for e in store.events(job["id"], after_seq=4)]
    assert seqs == [5, 6, 7]


def test_list_filters_newest_first_and_paginates(store: JobStore) -> None:
    ids = [store.create("a" if i % 2 else "b", {})[0]["id"] for i in range(7)]
    page, nxt = store.list(kind="a", limit=2)
    assert [j["id"] for j in page] == [ids[5], ids[3]]
    page2, _ = store.list(kind="a", limit=2, offset=nxt)
    assert [j["id"] for j in page2] == [ids[1]]
    assert store.list(state="queued", limit=100)[0].__len__() == 7
    with pytest.raises(InvalidRequest, match="Unknown state"):
        store.list(state="bogus")


def test_stop_requests_by_state(store: JobStore) -> None:
    queued, _ = store.create("k", {})
    assert store.request_stop(queued["id"], "cancel")["state"] == "cancelled"
    job = running(store)
    after = store.request_stop(job["id"], "cancel")
    assert after["state"] == "running" and store.beat(job["id"], "r1").stop == "cancel"
    with pytest.raises(Conflict, match="cannot be paused"):
        store.request_stop(job["id"], "pause")
    done, _ = store.create("k", {})
    store.finish(done["id"], JobState.FAILED, {}, allowed=("queued",))
    with pytest.raises(Conflict, match="already failed"):
        store.request_stop(done["id"], "cancel")


def test_pausable_queued_job_pauses_at_once(store: JobStore) -> None:
    job, _ = store.create("k", {}, pausable=True)
    assert store.request_stop(job["id"], "pause")["state"] == "paused"


def test_feed_is_capped(fake_redis) -> None:  # type: ignore[no-untyped-def]
    from roundhouse.core.job_types import Limits
    from roundhouse.core.keys import Keys

    small = JobStore(fake_redis, Keys("c:"), Limits(job_events_max=10, feed_max=10))
    job = running(small)
    for i in range(300):
        small.update(job["id"], {"done": i}, allowed=("running",))
    assert fake_redis.xlen("c:events") < 200
    assert fake_redis.xlen(small.keys.job_events(job["id"])) < 200


def test_feed_entries_carry_seq_and_event_name_beside_the_json(store: JobStore) -> None:
    job, _ = store.create("k", {})
    store.update(job["id"], {"progress": 0.5}, job=job)
    entries = store.r.xrange(store.keys.feed)
    assert [(f["j"], f["s"], f["k"]) for _, f in entries] == [
        (job["id"], "1", "created"),
        (job["id"], "2", "progress"),
    ]


def test_owner_and_live_owner(store: JobStore) -> None:
    assert store.owner("art") is None and store.live_owner("art") is None
    job, _ = store.create("k", {}, dedup="art")
    assert store.owner("art") == job["id"] and store.live_owner("art")["id"] == job["id"]
    assert store.owners(["art", "other"]) == [job["id"], None]
    store.finish(job["id"], JobState.SUCCEEDED, {}, allowed=("queued",))
    assert store.owner("art") is None  # released at the end


def test_create_finds_a_live_owner_from_the_scripts_answer(store: JobStore) -> None:
    """The owner's job key goes in KEYS: the first try names none, and a live owner comes back
    as the answer; the second try, with its key, joins it (an ended owner is replaced)."""
    old, _ = store.create("k", {}, dedup="art")
    store.finish(old["id"], JobState.CANCELLED, {}, allowed=("queued",))
    live, created = store.create("k", {}, dedup="art")
    assert created and live["id"] != old["id"]
    joined, created = store.create("k", {}, dedup="art")
    assert not created and joined["id"] == live["id"]


def test_a_new_job_costs_one_command_and_is_returned_as_stored(
    store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every POST that starts work creates a job: one round trip, no read back."""
    store.create("warm", {})  # the script is loaded once (NOSCRIPT, SCRIPT LOAD)
    sent: list[str] = []
    real = store.r.execute_command
    monkeypatch.setattr(
        store.r, "execute_command", lambda *a, **kw: sent.append(a[0]) or real(*a, **kw)
    )
    job, created = store.create("ollama.pull", {"model": "m"}, dedup="d", queue="q", pausable=True)
    assert created and sent == ["EVALSHA"]
    monkeypatch.undo()
    assert job == store.get(job["id"])


def test_beat_says_stop_superseded_or_unreachable(store: JobStore) -> None:
    job = running(store)
    assert store.beat(job["id"], "r1") == (None, False)
    store.request_stop(job["id"], "cancel")
    assert store.beat(job["id"], "r1").stop == "cancel"
    assert store.beat(job["id"], "another-attempt").stop == "superseded"
    store.update(job["id"], {"unreachable_since": 1.0}, job=job)
    assert store.beat(job["id"], "r1").unreachable


def test_claim_then_requeue_gives_the_claim_up(store: JobStore) -> None:
    job, _ = store.create("k", {})
    assert store.claim(job, "t1", "gpu-a") and not store.claim(job, "t2", "gpu-a")
    claimed = store.get(job["id"])
    assert claimed["state"] == "running" and claimed["host"] == "gpu-a"
    assert store.stale(-60) == [job["id"]]  # on the heartbeat watch list
    assert store.requeue(job["id"], "back in line", run="wrong") is None  # not our claim
    assert store.requeue(job["id"], "back in line", {"place": 2}, run="t1") is not None
    back = store.get(job["id"])
    assert back["state"] == "queued" and back["place"] == 2 and back["message"] == "back in line"
    assert store.stale(-60) == [] and store.claim(back, "t3", "gpu-b")


def test_forget_drops_one_job_whatever_its_state(store: JobStore) -> None:
    job = running(store)
    store.forget(job["id"])
    with pytest.raises(NotFound):
        store.get(job["id"])
    assert store.events(job["id"]) == [] and store.list()[0] == []


def test_recent_reads_past_one_chunk_newest_first(
    store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_reads, "RECENT_CHUNK", 4)  # 50 for real: the seams are the same
    made = []
    for n in range(10):
        job, _ = store.create("k", {}, message=f"m{n}")
        store.r.zadd(store.keys.jobs, {job["id"]: n})  # creation order, whatever the clock
        made.append(job["id"])
    rows = store.recent(9, "message", "state")
    assert [i for i, _ in rows] == made[::-1][:9]
    assert [r for _, r in rows] == [[f"m{n}", "queued"] for n in range(9, 0, -1)]
