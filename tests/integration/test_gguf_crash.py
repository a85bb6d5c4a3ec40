"""A GGUF download survives its worker: kill -9 mid-file, and pause / restart / resume.

Own stack (the workers get killed); the job must continue from the part's size, not from 0,
which the fake Hub's byte counters and Range log show, and end with the right sha256.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.helpers import wait_done, wait_state
from tests.stacks import TestStack, start_stack

API = "/api/providers/models"
SIZE = 4 << 20


@pytest.fixture(scope="module")
def own_stack(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    ts = start_stack(tmp_path_factory.mktemp("crash-stack"), redis_base, env=fakes.env())
    yield ts
    ts.stop()


def add(fakes: Fakes) -> tuple[str, str, bytes]:
    stamp = time.time_ns() % 10**10
    repo, name = f"crash/M{stamp}-GGUF", f"M{stamp}-Q4_K_M.gguf"
    data = gguf_bytes(SIZE, name="crash")
    fakes.hub.add_file(repo, name, data)
    return repo, name, data


def live_worker(stack: TestStack) -> str:
    return next(
        n for n, p in stack.stack.procs.items() if n.startswith("worker") and p.poll() is None
    )


def test_kill_9_mid_download_resumes_from_the_part(own_stack: TestStack, fakes: Fakes) -> None:
    repo, name, data = add(fakes)
    fakes.hub.trickle(1 << 20)
    try:
        r = httpx.post(
            f"{own_stack.url}{API}/install",
            json={"repo_id": repo, "quant": "Q4_K_M", "targets": ["lmstudio"]},
        )
        job_id = r.json()["id"]
        wait_done(own_stack, job_id, 1 << 20)
        name_ = live_worker(own_stack)
        worker = own_stack.stack.procs.pop(name_)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        done_at_kill = httpx.get(f"{own_stack.url}/api/jobs/{job_id}").json()["done"]
        own_stack.stack.start_worker(name=f"worker-after-{job_id}")
        fakes.hub.trickle(None)
        job = wait_state(own_stack, job_id, {"succeeded", "failed"}, timeout=120)
    finally:
        fakes.hub.trickle(None)
    assert job["state"] == "succeeded", job
    assert job["attempts"] == 2
    ranges = fakes.hub.range_requests(name)
    assert ranges[0] is None and ranges[-1].startswith("bytes=")
    resumed_at = int(ranges[-1][len("bytes=") : -1])
    assert resumed_at >= done_at_kill - (64 << 10)
    served = fakes.hub.bytes_served(name)
    assert served - SIZE < SIZE // 4, f"re-fetched {served - SIZE} bytes"
    path = Path(job["result"]["files"][0])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_pause_survives_a_worker_restart(own_stack: TestStack, fakes: Fakes) -> None:
    repo, name, data = add(fakes)
    fakes.hub.trickle(1 << 20)
    try:
        r = httpx.post(f"{own_stack.url}{API}/hf-download", json={"repo_id": repo, "file": name})
        job_id = r.json()["id"]
        wait_done(own_stack, job_id, 1 << 20)
        httpx.post(f"{own_stack.url}/api/jobs/{job_id}/pause")
        assert wait_state(own_stack, job_id, {"paused", "failed"})["state"] == "paused"
    finally:
        fakes.hub.trickle(None)
    part = next((Path(own_stack.stack.data_dir) / "models" / "hf").glob(f"{repo}/*.part"))
    have = part.stat().st_size
    own_stack.stack.stop(live_worker(own_stack))  # a clean restart of the worker
    own_stack.stack.start_worker(name=f"worker-resume-{job_id}")
    assert httpx.post(f"{own_stack.url}/api/jobs/{job_id}/resume").status_code == 202
    job = wait_state(own_stack, job_id, {"succeeded", "failed"}, timeout=90)
    assert job["state"] == "succeeded", job
    assert fakes.hub.range_requests(name)[-1] == f"bytes={have}-"
    assert Path(job["result"]["files"][0]).read_bytes() == data
