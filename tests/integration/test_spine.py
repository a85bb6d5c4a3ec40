"""The job spine end to end: real Redis, a real Celery worker process, the real API server."""

from __future__ import annotations

import time

import httpx

from tests.helpers import start_demo, wait_done, wait_state
from tests.stacks import TestStack
from tests.wsclient import Live, final


def test_job_runs_to_success_on_a_real_worker(stack: TestStack) -> None:
    job_id = start_demo(stack, steps=5, interval=0.01)
    job = wait_state(stack, job_id, {"succeeded", "failed"})
    assert job["state"] == "succeeded" and job["result"] == {
        "counted": 5,
        "message": "Counted to 5",
    }
    assert job["attempts"] == 1 and job["progress"] == 1.0 and job["done"] == 5


def test_cancel_reaches_the_running_task_within_a_few_of_its_steps(stack: TestStack) -> None:
    """The worker's heartbeat (every 0.5 s) carries the cancel to the task, which stops at its
    next step: 7-10 steps of 0.05 s after the request was stored, measured with two CPU hogs.
    Counted in the task's own steps, not seconds: a loaded machine slows the steps and the
    heartbeat alike, while the wall clock (a 1.5 s bound before) also counts the API's and the
    poller's delays. 30 steps still tells it from a cancel read only at the end (10,000)."""
    job_id = start_demo(stack, steps=10_000, interval=0.05)
    wait_done(stack, job_id, 1)
    asked = httpx.post(f"{stack.url}/api/jobs/{job_id}/cancel")
    assert asked.status_code == 200
    before = asked.json()["done"]  # read just after the request was stored
    job = wait_state(stack, job_id, {"cancelled", "succeeded", "failed"})
    assert job["state"] == "cancelled"
    assert job["done"] - before <= 30, (before, job["done"])


def test_late_websocket_subscriber_gets_every_event(stack: TestStack) -> None:
    job_id = start_demo(stack, steps=10, interval=0.01)
    wait_state(stack, job_id, {"succeeded"})
    live = Live(stack.ws_url, {"subscribe": [job_id], "after": {job_id: 0}})
    frames = live.until(final)
    live.close()
    seqs = [f["seq"] for f in frames]
    assert seqs == list(range(1, len(seqs) + 1))
    assert frames[0]["event"] == "created" and frames[-1]["state"] == "succeeded"


def test_reconnect_with_last_seq_misses_nothing_and_repeats_nothing(stack: TestStack) -> None:
    job_id = start_demo(stack, steps=30, interval=0.03)
    first = Live(stack.ws_url, {"subscribe": [job_id], "after": {job_id: 0}})
    seen = [first.recv()["seq"] for _ in range(4)]
    first.close()
    time.sleep(0.3)  # events happen while we are away
    again = Live(stack.ws_url, {"subscribe": [job_id], "after": {job_id: seen[-1]}})
    seen += [f["seq"] for f in again.until(final)]
    again.close()
    assert seen == list(range(1, len(seen) + 1))


def test_fresh_subscriber_gets_a_snapshot_at_once_then_live(stack: TestStack) -> None:
    job_id = start_demo(stack, steps=40, interval=0.03)
    wait_done(stack, job_id, 1)  # its snapshot then has progress to show
    live = Live(stack.ws_url, {"subscribe": [job_id]})
    snap = live.recv()
    assert snap["type"] == "snapshot" and snap["jobs"][0]["done"] > 0
    frames = live.until(final)
    live.close()
    assert all(f["seq"] > snap["jobs"][0]["seq"] for f in frames)


def test_all_jobs_feed_resumes_from_its_cursor(stack: TestStack) -> None:
    live = Live(stack.ws_url, {"subscribe": "all"})
    snap = live.recv()
    assert snap["type"] == "snapshot" and snap["cursor"]
    job_id = start_demo(stack, steps=30, interval=0.03)
    mine = live.until(lambda f: f.get("id") == job_id and f.get("done", 0) and f["done"] >= 3)
    cursor = mine[-1]["cursor"]
    seqs = [f["seq"] for f in mine if f.get("id") == job_id]
    live.close()
    again = Live(stack.ws_url, {"subscribe": "all", "cursor": cursor})
    rest = again.until(lambda f: f.get("id") == job_id and final(f))
    again.close()
    seqs += [f["seq"] for f in rest if f.get("id") == job_id]
    # progress to watchers of everything is coalesced (api/coalesce.py); nothing goes back or
    # comes twice across the resume, and every state change arrives
    assert seqs == sorted(set(seqs)) and seqs[0] == 1
    states = [f["state"] for f in mine + rest if f.get("id") == job_id and f["event"] != "progress"]
    assert states[0] == "queued" and states[-1] == "succeeded" and "running" in states


def test_sse_honours_last_event_id(stack: TestStack) -> None:
    job_id = start_demo(stack, steps=8, interval=0.01)
    with httpx.stream(
        "GET", f"{stack.url}/api/jobs/{job_id}/events", headers={"Last-Event-ID": "3"}, timeout=20
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        ids = [int(line[4:]) for line in r.iter_lines() if line.startswith("id: ")]
    assert ids[0] == 4 and ids == list(range(4, 4 + len(ids)))


def test_progress_is_throttled_in_the_worker(stack: TestStack) -> None:
    job_id = start_demo(stack, steps=20_000, interval=0.0)
    job = wait_state(stack, job_id, {"succeeded"})
    elapsed = job["finished_at"] - job["started_at"]
    progress = [e for e in stack.store().events(job_id) if '"event":"progress"' in e]
    assert len(progress) <= 10 * elapsed + 3


def test_websocket_refuses_a_foreign_origin(stack: TestStack) -> None:
    r = httpx.get(
        f"{stack.url}/ws",
        headers={
            "Origin": "http://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert r.status_code == 403 and "may not open this stream" in r.json()["message"]


def test_healthz_sees_redis_and_the_worker(stack: TestStack) -> None:
    body = httpx.get(f"{stack.url}/healthz").json()
    assert body["ok"] and body["redis"]["ok"] and body["workers"]
