"""Throttling, speed/ETA and stop requests of the control a running job is handed."""

from __future__ import annotations

import json
import time

import pytest

from roundhouse.core.errors import Cancelled, Paused
from roundhouse.core.jobs import JobStore
from roundhouse.tasks.control import JobControl, Superseded
from roundhouse.tasks.rate import RateMeter


def claimed(store: JobStore) -> dict:
    job, _ = store.create("k", {})
    store.update(
        job["id"],
        {"state": "running", "run": "tok"},
        allowed=("queued",),
        mode="running",
        job=job,
    )
    return store.get(job["id"])


def events(store: JobStore, job_id: str) -> list[dict]:
    return [json.loads(e) for e in store.events(job_id)]


def test_progress_is_throttled_but_first_last_and_stage_changes_go_out(store: JobStore) -> None:
    job = claimed(store)
    control = JobControl(store, job, "tok", interval_s=0.1, heartbeat_s=0.5)
    control.start()
    started = time.monotonic()
    for i in range(1, 20001):
        control.report(done=i, total=20000)
        if i == 10000:
            control.report(stage="verifying")
    control.close()
    elapsed = time.monotonic() - started
    sent = [e for e in events(store, job["id"]) if e["event"] == "progress"]
    assert len(sent) <= 10 * elapsed + 4  # ~10/s plus first, stage change and final
    assert sent[0]["done"] < 20000  # the first went out while the work went on
    assert any(e["stage"] == "verifying" for e in sent)
    assert sent[-1]["done"] == 20000 and sent[-1]["progress"] == 1.0


def test_a_trailing_report_goes_out_without_another_call(store: JobStore) -> None:
    job = claimed(store)
    control = JobControl(store, job, "tok", interval_s=0.1, heartbeat_s=0.5)
    control.start()
    control.report(done=1, total=10)
    control.report(done=2, total=10)  # within the interval: held back
    time.sleep(0.4)
    assert events(store, job["id"])[-1]["done"] == 2
    control.close()


def test_progress_never_goes_backwards(store: JobStore) -> None:
    job = claimed(store)
    control = JobControl(store, job, "tok", interval_s=0)
    control.report(done=80, total=100)
    control.report(done=40, total=100)
    assert control.job["progress"] == 0.8


def test_cancel_and_pause_requests_are_seen_by_check(store: JobStore) -> None:
    job = claimed(store)
    control = JobControl(store, job, "tok", heartbeat_s=0.1)
    control.start()
    store.r.hset(store.keys.job(job["id"]), "cancel", "pause")
    time.sleep(0.35)
    with pytest.raises(Paused):
        control.check()
    store.r.hset(store.keys.job(job["id"]), "cancel", "cancel")
    time.sleep(0.35)
    with pytest.raises(Cancelled):
        control.check()
    control.close()


def test_a_taken_over_job_stops_its_old_worker(store: JobStore) -> None:
    job = claimed(store)
    control = JobControl(store, job, "tok", interval_s=0)
    store.r.hset(store.keys.job(job["id"]), "run", "someone-else")
    control.report(done=1, total=2)
    control.flush()  # the write is refused: the run is someone else's
    with pytest.raises(Superseded):
        control.check()


def test_the_first_report_stage_changes_and_events_go_out_at_once(store: JobStore) -> None:
    """Only plain progress waits for the interval (here far longer than the test)."""
    job = claimed(store)
    control = JobControl(store, job, "tok", interval_s=60, heartbeat_s=60)
    control.start()

    def sent() -> list[dict]:
        return [e for e in events(store, job["id"]) if e["event"] in ("progress", "candidate")]

    def soon(count: int) -> list[dict]:
        deadline = time.monotonic() + 10
        while len(sent()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return sent()

    control.report(stage="download", done=1, total=10)
    assert [e["done"] for e in soon(1)] == [1]
    control.report(done=2, total=10)  # plain progress within the interval: held back
    control.event("candidate", candidate="c0")  # an event takes held progress with it
    assert [(e["event"], e.get("done")) for e in soon(3)] == [
        ("progress", 1),
        ("progress", 2),
        ("candidate", 2),
    ]
    control.report(stage="verify", done=10, total=10)
    assert soon(4)[-1]["stage"] == "verify"
    control.close()


def test_stages_reported_back_to_back_are_each_written_with_what_came_with_them(
    store: JobStore,
) -> None:
    """The sending thread may be slower than the handler: stages still never merge."""
    job = claimed(store)
    control = JobControl(store, job, "tok", interval_s=60, heartbeat_s=60)
    control.report(stage="verifying", message="Checking digests")
    control.report(done=5, total=5)  # plain progress joins the stage before it
    control.report(stage="writing", message="Writing manifest")
    control.report(stage="done", message="Pulled")
    control.flush()  # the thread was never started: everything went out in this one flush
    sent = [e for e in events(store, job["id"]) if e["event"] == "progress"]
    assert [(e["stage"], e["message"], e.get("done")) for e in sent] == [
        ("verifying", "Checking digests", 5),
        ("writing", "Writing manifest", 5),
        ("done", "Pulled", 5),
    ]


def test_rate_meter_speed_and_eta() -> None:
    meter = RateMeter(window_s=5)
    for second in range(6):
        meter.add(second * 1000, at=100.0 + second)
    assert meter.speed() == pytest.approx(1000)
    assert meter.eta(10_000) == pytest.approx(5.0)
