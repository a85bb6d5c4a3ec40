"""Slots: at most N holders per pool, first come first served, and no slot outlives its job."""

from __future__ import annotations

import time

import fakeredis
import pytest

from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.models import JobState
from roundhouse.core.slots import HEAD, Slots, ordinal, waiting_message


@pytest.fixture
def slots(store: JobStore) -> Slots:
    return Slots(store.r, store.keys, "ollama:test", limit=2, stale_after_s=5)


def new_job(store: JobStore, state: str = "queued") -> str:
    job, _ = store.create("ollama.pull", {"model": "m"})
    if state != "queued":
        store.update(job["id"], {"state": state}, mode="running" if state == "running" else "")
    return job["id"]


def running(store: JobStore) -> str:
    """A claimed job with a fresh heartbeat, as the runner leaves it before the handler runs."""
    return new_job(store, "running")


def test_grants_up_to_the_limit_then_gives_places_in_order(store: JobStore, slots: Slots) -> None:
    a, b, c, d = (running(store) for _ in range(4))
    assert [slots.acquire(a), slots.acquire(b)] == [0, 0]
    assert slots.acquire(c) == 1 and slots.acquire(d) == 2
    assert slots.acquire(a) == 0  # a holder asking again keeps its slot
    assert set(slots.holders()) == {a, b} and slots.waiting() == [c, d]
    slots.release(a)
    assert slots.acquire(d) == 1  # d may not jump the line while c waits
    assert slots.acquire(c) == 0 and slots.acquire(d) == 1


def test_peek_shows_the_place_without_taking_a_slot(store: JobStore, slots: Slots) -> None:
    a, b = running(store), running(store)
    slots.acquire(a)
    q1, q2 = new_job(store), new_job(store)
    assert slots.place(q1) == 0  # one slot free and q1 is first in line
    assert slots.place(q2) == 1  # q1 will take that slot
    assert slots.holders() == [a]
    assert slots.acquire(b) == 2  # arrived after both queued jobs


def test_a_finished_or_silent_holder_frees_its_slot(store: JobStore, slots: Slots) -> None:
    a, b, c = running(store), running(store), running(store)
    slots.acquire(a), slots.acquire(b)
    assert slots.acquire(c) == 1
    store.finish(a, JobState.FAILED, {"error": "x"})  # ended without releasing (worker died)
    assert slots.acquire(c) == 0
    d = running(store)
    assert slots.acquire(d) == 1
    store.r.zadd(store.keys.running, {b: time.time() - 60})  # heartbeat went stale
    assert slots.acquire(d) == 0 and b not in slots.holders()


def test_cancelled_waiters_leave_the_line(store: JobStore, slots: Slots) -> None:
    a, b = running(store), running(store)
    slots.acquire(a), slots.acquire(b)
    c, d = running(store), running(store)
    assert slots.acquire(c) == 1 and slots.acquire(d) == 2
    store.finish(c, JobState.CANCELLED, {})
    assert slots.acquire(d) == 1 and slots.waiting() == [d]


def test_pools_are_separate(store: JobStore, slots: Slots) -> None:
    other = Slots(store.r, store.keys, "ollama:elsewhere", limit=1)
    a, b, c = running(store), running(store), running(store)
    slots.acquire(a), slots.acquire(b)
    assert other.acquire(c) == 0


def test_limit_below_one_still_lets_one_run() -> None:
    r = fakeredis.FakeRedis(decode_responses=True)
    store = JobStore(r, Keys("x:"))
    one = Slots(r, store.keys, "p", limit=0)
    assert one.acquire(running(store)) == 0


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (21, "21st"),
        (102, "102nd"),
    ],
)
def test_ordinals(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_waiting_message() -> None:
    assert waiting_message(2) == "Waiting for a download slot (2nd in line)"


def test_a_long_line_counts_places_by_rank_behind_the_head(store: JobStore, slots: Slots) -> None:
    a, b = running(store), running(store)
    slots.acquire(a), slots.acquire(b)
    line = [store.create("demo.count", {})[0]["id"] for _ in range(HEAD + 10)]
    assert [slots.place(j) for j in line] == list(range(1, HEAD + 11))
    store.finish(line[0], JobState.CANCELLED, {}, allowed=("queued",))  # dropped on next look
    assert slots.place(line[-1]) == HEAD + 9 and line[0] not in slots.waiting()
    assert slots.place(line[1]) == 1


def test_a_waiter_that_joined_after_the_line_was_read_is_still_counted(
    store: JobStore, slots: Slots, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every job hash the script reads is in KEYS, so the line is read first; a job that
    joined in between is counted as waiting (it just joined) without reading it, and the
    call is not repeated: 200 joins a second made a "read again" answer come back forever."""
    a, b, c, late = (running(store) for _ in range(4))
    assert [slots.acquire(a), slots.acquire(b), slots.place(late)] == [0, 0, 1]
    real, reads = slots.front, []

    def stale_then_real() -> list[str]:  # the first read misses `late`, as if it joined after
        reads.append(1)
        return [a, b] if len(reads) == 1 else real()

    monkeypatch.setattr(slots, "front", stale_then_real)
    assert slots.acquire(c) == 2 and len(reads) == 1  # behind `late`, in one call


def test_a_holder_that_took_its_slot_after_the_line_was_read_counts_as_live(
    store: JobStore, slots: Slots, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = (running(store) for _ in range(3))
    assert [slots.acquire(a), slots.acquire(b)] == [0, 0]
    monkeypatch.setattr(slots, "front", lambda: [a])  # read before b took its slot
    assert slots.acquire(c) == 1 and set(slots.holders()) == {a, b}


def test_a_new_job_joins_in_one_look_counting_everyone_in_line(
    store: JobStore, slots: Slots
) -> None:
    a, b = running(store), running(store)
    slots.acquire(a)
    q1, q2, q3 = new_job(store), new_job(store), new_job(store)
    assert [slots.join(q1), slots.join(q2), slots.join(q3)] == [0, 1, 2]  # one slot free
    assert slots.join(q2) == 1 and slots.waiting() == [q1, q2, q3]  # joining twice: same place
    assert slots.join(a) == 0  # a holder
    store.finish(q1, JobState.CANCELLED, {}, allowed=("queued",))
    q4 = new_job(store)
    assert slots.join(q4) == 3  # no job is read: q1 still counts until a full look
    assert slots.place(q4) == 2 and q1 not in slots.waiting()  # the worker's look: exact
    assert slots.acquire(b) == 3  # and nobody jumps the line


def test_a_job_is_created_and_joins_its_line_in_one_round_trip(
    store: JobStore, slots: Slots
) -> None:
    slots.acquire(running(store)), slots.acquire(running(store))  # both slots held
    loads = running(store)
    slots.join(loads), slots.release(loads)  # every script loaded (a forgotten one: see below)
    trips: list[str] = []
    real = store.r.pipeline
    store.r.pipeline = lambda *a, **k: trips.append("pipeline") or real(*a, **k)  # type: ignore[method-assign]
    job, created, place = store.create_in_line("ollama.pull", {}, dedup="ollama:m", line=slots)
    assert (created, place, trips) == (True, 1, ["pipeline"])
    assert slots.waiting() == [job["id"]] and store.get(job["id"])["state"] == "queued"
    again, created, place = store.create_in_line("ollama.pull", {}, dedup="ollama:m", line=slots)
    assert not created and again["id"] == job["id"] and place is None
    assert slots.waiting() == [job["id"]]  # the id that joined its owner never entered the line


@pytest.mark.parametrize("forgotten", ["both", "join"])
def test_create_in_line_loads_scripts_redis_forgot(
    store: JobStore, slots: Slots, forgotten: str
) -> None:
    store.create("k", {})  # CREATE loaded
    store.r.script_flush()  # as after a Redis restart: its script cache is gone
    if forgotten == "join":
        store.create("k", {})  # CREATE known again, JOIN not: the create runs, JOIN is resent
    job, created, place = store.create_in_line("ollama.pull", {}, dedup="ollama:x", line=slots)
    assert created and slots.waiting() == [job["id"]] and store.get(job["id"])["state"] == "queued"
    assert place == 0 or (forgotten == "both" and place is None)  # None: the caller joins
