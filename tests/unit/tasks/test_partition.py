"""A job whose host went silent keeps its claim for a grace; a dead worker's job does not."""

from __future__ import annotations

import json
import threading
import time

from roundhouse.core.hosts import Hosts
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import now
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores
from roundhouse.tasks import kinds, watchdog
from roundhouse.tasks.control import JobControl

SETTINGS = Settings(hostname="api", stale_after_s=20, watchdog_interval_s=1, host_grace_s=300)


@kinds.job_kind("test.partition", resumable=True)
def _resumable(ctx, job, control):  # type: ignore[no-untyped-def]
    return None


def running_on(store: JobStore, host: str, silent_s: float, host_silent_s: float) -> str:
    job, _ = store.create("test.partition", {}, queue=f"host.{host}")
    store.update(
        job["id"],
        {"state": "running", "run": "tok", "host": host},
        allowed=("queued",),
        mode="running",
    )
    store.r.zadd(store.keys.running, {job["id"]: now() - silent_s})
    Hosts(store.r, store.keys).beat(host, at=now() - host_silent_s)
    return job["id"]


def sweep(store: JobStore) -> list[dict]:
    sent: list[dict] = []
    store.r.delete(store.keys.watchdog_lock)
    watchdog.sweep(Stores(store.r, store.keys, SETTINGS), sent.append, SETTINGS)
    return sent


def test_a_silent_hosts_job_keeps_its_claim_and_says_the_host_is_unreachable(
    store: JobStore,
) -> None:
    job_id = running_on(store, "gpu-a", silent_s=25, host_silent_s=24)
    assert sweep(store) == []
    job = store.get(job_id)
    assert job["state"] == "running" and store.r.hget(store.keys.job(job_id), "run") == "tok"
    assert job["message"].startswith("host gpu-a unreachable since ")
    assert job["unreachable_since"] > 0
    events = store.events(job_id)
    assert "unreachable" in events[-1]
    assert sweep(store) == [] and len(store.events(job_id)) == len(events)  # said once


def test_after_the_grace_the_job_is_requeued_and_says_why(store: JobStore) -> None:
    job_id = running_on(store, "gpu-a", silent_s=400, host_silent_s=400)
    sent = sweep(store)
    job = store.get(job_id)
    assert [j["id"] for j in sent] == [job_id] and job["state"] == "queued"
    requeued = [e for e in store.events(job_id) if "re-queued" in e]
    assert requeued and "host gpu-a unreachable since" in requeued[-1]
    assert job["message"].startswith("Waiting for host gpu-a")  # and then it waits for it


def test_a_job_whose_host_still_beats_lost_its_worker_and_is_requeued(store: JobStore) -> None:
    job_id = running_on(store, "gpu-a", silent_s=25, host_silent_s=1)
    assert [j["id"] for j in sweep(store)] == [job_id]
    assert store.get(job_id)["state"] == "queued"


def test_the_sweepers_own_host_is_never_unreachable(store: JobStore) -> None:
    job_id = running_on(store, "api", silent_s=25, host_silent_s=25)
    assert [j["id"] for j in sweep(store)] == [job_id]


def test_on_reconnect_the_worker_keeps_its_claim_and_clears_the_note(store: JobStore) -> None:
    job_id = running_on(store, "gpu-a", silent_s=25, host_silent_s=24)
    control = JobControl(store, store.get(job_id), "tok", interval_s=0.01, heartbeat_s=0.05)
    control.report(stage="download", done=40, total=100, message="downloading m.gguf")
    sweep(store)
    assert store.get(job_id)["unreachable_since"]
    control.start()
    deadline = time.monotonic() + 5
    while store.get(job_id)["unreachable_since"] and time.monotonic() < deadline:
        time.sleep(0.02)
    control.check()  # not superseded
    control.close()
    job = store.get(job_id)
    assert job["unreachable_since"] is None and job["message"] == "downloading m.gguf"


def test_on_reconnect_a_requeued_job_stops_its_old_attempt(store: JobStore) -> None:
    job_id = running_on(store, "gpu-a", silent_s=25, host_silent_s=1)
    control = JobControl(store, store.get(job_id), "tok", interval_s=0.01, heartbeat_s=0.05)
    sweep(store)  # host beats, so the worker process is presumed dead: re-queued
    control.start()
    time.sleep(0.3)
    control.close()
    assert control._stop == "superseded"


def test_while_redis_is_unreachable_the_job_goes_on_and_nothing_is_lost(
    store: JobStore, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Reports and events made while cut off are held, then sent in order: no error raised."""
    import redis

    job_id = running_on(store, "gpu-a", silent_s=0, host_silent_s=0)
    control = JobControl(store, store.get(job_id), "tok", interval_s=0.0, heartbeat_s=60)
    real = store.update
    cut = {"on": True}

    def update(*args, **kwargs):  # type: ignore[no-untyped-def]
        if cut["on"]:
            raise redis.ConnectionError("no route to host")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "update", update)
    control.report(stage="download", done=10, total=100)
    control.event("candidate", candidate="r1-b0-c0")
    control.flush()
    control.report(done=50, total=100)
    control.event("candidate", candidate="r1-b0-c1")
    control.flush()
    control.check()  # neither failed nor superseded
    assert store.get(job_id)["progress"] == 0
    cut["on"] = False
    control.report(done=60, total=100)
    control.flush()
    job = store.get(job_id)
    assert job["progress"] == 0.6 and job["stage"] == "download"
    assert candidates(store, job_id) == ["r1-b0-c0", "r1-b0-c1"]


def test_a_hung_redis_never_holds_up_the_handler(store: JobStore, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Redis stops answering (a pulled cable: the client waits out its retries); the handler's
    reports and events return at once and the work goes on; all of it lands, in order, after."""
    import redis

    job_id = running_on(store, "gpu-a", silent_s=0, host_silent_s=0)
    control = JobControl(store, store.get(job_id), "tok", interval_s=0.0, heartbeat_s=60)
    real, inside, release = store.update, threading.Event(), threading.Event()

    def update(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not release.is_set():
            inside.set()
            release.wait(30)
            raise redis.TimeoutError("Timeout reading from socket")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "update", update)
    control.start()
    control.report(stage="download", done=1, total=100)
    assert inside.wait(10), "the control's own thread sends"

    def work() -> None:
        for i in range(2, 101):
            control.report(done=i, total=100)
            if i % 25 == 0:
                control.event("candidate", candidate=f"c{i}")

    handler = threading.Thread(target=work)
    handler.start()
    handler.join(10)
    assert not handler.is_alive(), "a report waited on Redis"
    assert inside.is_set() and not release.is_set()  # Redis was hung all along
    release.set()
    control.close()
    job = store.get(job_id)
    assert (job["progress"], job["done"], job["stage"]) == (1.0, 100, "download")
    assert candidates(store, job_id) == ["c25", "c50", "c75", "c100"]


def candidates(store: JobStore, job_id: str) -> list[str]:
    events = [json.loads(e) for e in store.events(job_id)]
    return [e["candidate"] for e in events if e["event"] == "candidate"]
