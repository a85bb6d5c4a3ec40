"""A worker killed with SIGKILL mid-beam-search: beam.search is not resumable, so the watchdog
fails it with "Worker lost" within 60 s; it is never left `running` and never re-run.

Own stack (its worker gets killed) and its own slow Flux, so the search is mid-way for
seconds when the kill comes.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.core.active_providers import Choice, ProviderStore
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings
from tests.conftest import Fakes
from tests.fakes.flux import FakeFlux
from tests.helpers import wait_for, wait_state
from tests.stacks import TestStack, start_stack

CHOICES = {
    "llm": Choice("openai", "gpt-4o-mini"),
    "image": Choice("flux", "flux-schnell"),
    "vision": Choice("local", "clip"),
}


@pytest.fixture
def own_stack(redis_base: str, fakes: Fakes, tmp_path: Path) -> Iterator[TestStack]:
    with FakeFlux(latency=0.4) as flux:
        ts = start_stack(tmp_path, redis_base, env={**fakes.env(), "FLUX_API_URL": flux.url})
        try:
            ProviderStore(connect(ts.redis_url), Keys(ts.prefix), Settings()).switch(
                CHOICES, by="test"
            )
            yield ts
        finally:
            ts.stop()


def candidates(ts: TestStack, job_id: str) -> int:
    events = [json.loads(e) for e in ts.store().events(job_id, 0)]
    return sum(1 for e in events if e.get("event") == "candidate")


def test_killed_worker_fails_the_beam_search(own_stack: TestStack) -> None:
    body = {
        "prompt": "a lighthouse in a storm",
        "beam_width": 2,
        "candidates": 3,
        "depth": 3,
        "width": 256,
        "height": 256,
        "concurrency": 1,
    }
    r = httpx.post(f"{own_stack.url}/api/beam-search", json=body, timeout=10)
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    wait_for(lambda: candidates(own_stack, job_id) >= 1, 60, what="a candidate")

    worker = own_stack.stack.procs.pop("worker0")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)
    killed_at = time.monotonic()
    assert own_stack.store().get(job_id)["state"] == "running"

    job = wait_state(own_stack, job_id, {"failed", "succeeded", "cancelled", "queued"}, 60)
    assert time.monotonic() - killed_at < 60
    assert job["state"] == "failed", job
    assert job["error"].startswith("Worker lost") and job["attempts"] == 1
    assert job["result"] is None

    own_stack.stack.start_worker(name="worker1")  # a fresh worker must not take it up again
    own_stack.stack.wait_worker(own_stack.url)
    states = [json.loads(e)["state"] for e in own_stack.store().events(job_id, 0)]
    assert states[-1] == "failed" and "queued" not in states[states.index("running") :]
    assert own_stack.store().get(job_id)["state"] == "failed"
