"""A worker killed with SIGKILL mid-job: the watchdog re-queues a resumable job, and another
worker finishes it from where it stopped; never left `running`."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import start_demo, wait_done, wait_state
from tests.stacks import TestStack, start_stack


@pytest.fixture
def own_stack(redis_base: str, tmp_path: Path) -> Iterator[TestStack]:
    ts = start_stack(tmp_path, redis_base)
    yield ts
    ts.stop()


def test_killed_worker_job_is_resumed_by_another_worker(own_stack: TestStack) -> None:
    job_id = start_demo(own_stack, steps=60, interval=0.1)
    wait_done(own_stack, job_id, 4)
    worker = own_stack.stack.procs["worker0"]
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(5)
    killed_at = time.monotonic()
    done_at_kill = httpx.get(f"{own_stack.url}/api/jobs/{job_id}").json()["done"]

    requeued = wait_state(own_stack, job_id, {"queued", "failed"}, timeout=60)
    assert requeued["state"] == "queued" and "Worker lost" in requeued["message"]
    assert time.monotonic() - killed_at < 60

    own_stack.stack.start_worker(name="worker1")
    job = wait_state(own_stack, job_id, {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "succeeded" and job["attempts"] == 2
    events = [json.loads(e) for e in own_stack.store().events(job_id)]
    second_run = [
        e
        for e in events
        if e["event"] == "progress"
        and e["seq"] > next(x["seq"] for x in events if x["state"] == "queued" and x["seq"] > 1)
    ]
    assert second_run[0]["done"] >= done_at_kill - 1  # resumed, not restarted from 0
