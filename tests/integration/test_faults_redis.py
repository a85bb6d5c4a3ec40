"""Redis restarted mid-download: the job is not lost, the worker, the relay and an open
WebSocket client carry on, and the file ends with the Hub's sha256.

Own Redis (it gets restarted) and own stack; the session's fake Hub trickles the bytes so the
download is mid-file when Redis goes away.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.cli.stack import Stack
from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.helpers import wait_done, wait_state
from tests.stacks import TestStack, start_stack
from tests.wsclient import Live, final

SIZE = 3 << 20
RATE = 512 << 10  # bytes/s while Redis is away: the transfer is mid-file for seconds


@pytest.fixture
def own_stack(own_redis: tuple[Stack, int], fakes: Fakes, tmp_path: Path) -> Iterator[TestStack]:
    ts = start_stack(tmp_path / "stack", f"redis://127.0.0.1:{own_redis[1]}", env=fakes.env())
    yield ts
    ts.stop()


@pytest.fixture
def trickling_hub(fakes: Fakes) -> Iterator[Fakes]:
    fakes.hub.trickle(RATE)
    yield fakes
    fakes.hub.trickle(None)


def test_download_survives_a_redis_restart(
    own_redis: tuple[Stack, int], own_stack: TestStack, trickling_hub: Fakes
) -> None:
    redis_stack, port = own_redis
    stamp = time.time_ns() % 10**10
    repo, name = f"faults/R{stamp}-GGUF", f"R{stamp}-Q4_K_M.gguf"
    data = gguf_bytes(SIZE, name="redis-restart")
    trickling_hub.hub.add_file(repo, name, data)

    r = httpx.post(
        f"{own_stack.url}/api/providers/models/hf-download",
        json={"repo_id": repo, "file": name},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    live = Live(own_stack.ws_url, {"subscribe": [job_id], "after": {job_id: 0}})
    try:
        wait_done(own_stack, job_id, 256 << 10)
        redis_stack.stop("redis")  # SIGTERM: Redis writes its AOF and exits
        time.sleep(2.0)  # the worker keeps downloading and reporting into a missing Redis
        redis_stack.start_redis(port=port)
        trickling_hub.hub.trickle(None)
        frames = live.until(final, timeout=90)
    finally:
        live.close()

    assert frames[-1]["state"] == "succeeded", frames[-1]
    seqs = [f["seq"] for f in frames if f.get("type") == "job"]
    assert seqs == sorted(set(seqs)), "the open client got no event twice, in order"
    job = wait_state(own_stack, job_id, {"succeeded", "failed"}, timeout=30)
    assert job["state"] == "succeeded", job
    path = Path(job["result"]["files"][0])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert httpx.get(f"{own_stack.url}/healthz", timeout=10).json()["redis"]["ok"]

    after = httpx.post(
        f"{own_stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 3, "interval": 0.01}},
    )
    assert after.status_code == 202, after.text  # the API and the worker took new work
    demo = wait_state(own_stack, after.json()["id"], {"succeeded", "failed"}, timeout=60)
    assert demo["state"] == "succeeded", demo
