"""GGUF download throughput through the real worker vs hf_hub_download, and bytes re-fetched
after a worker is killed (-9) halfway. Loopback fake Hub serving a 1 GiB GGUF.

    cd /work/main && .venv/bin/python -m bench.download [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import httpx  # noqa: E402

from roundhouse.cli.stack import Stack  # noqa: E402
from tests.fakes.gguf_bytes import write_gguf  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402
from tests.stacks import TestStack, start_stack  # noqa: E402

REPO, NAME = "bench/Big-GGUF", "Big-Q4_K_M.gguf"
API = "/api/providers/models"


def wait(ts: TestStack, job_id: str, states: set[str], timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{ts.url}/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.02)
    raise TimeoutError(job_id)


def ours(ts: TestStack) -> float:
    """Seconds from POST to succeeded for an hf.download job (includes sha256 and fsync)."""
    began = time.perf_counter()
    r = httpx.post(f"{ts.url}{API}/hf-download", json={"repo_id": REPO, "file": NAME})
    job = wait(ts, r.json()["id"], {"succeeded", "failed"})
    took = time.perf_counter() - began
    assert job["state"] == "succeeded", job
    httpx.delete(f"{ts.url}{API}/files/{job['result']['file_id']}")
    return took


def baseline(hub: FakeHub, where: Path) -> float:
    from huggingface_hub import hf_hub_download

    began = time.perf_counter()
    hf_hub_download(REPO, NAME, endpoint=hub.url, local_dir=where, token=False)
    took = time.perf_counter() - began
    shutil.rmtree(where, ignore_errors=True)
    return took


def killed_halfway(ts: TestStack, hub: FakeHub, size: int) -> tuple[int, int]:
    """Kill the worker at ~50%, start another; (bytes at kill, bytes fetched twice)."""
    hub.reset_stats()
    r = httpx.post(f"{ts.url}{API}/hf-download", json={"repo_id": REPO, "file": NAME})
    job_id = r.json()["id"]
    while (httpx.get(f"{ts.url}/api/jobs/{job_id}").json().get("done") or 0) < size // 2:
        time.sleep(0.005)
    worker = ts.stack.procs.pop("worker0")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)
    at_kill = hub.bytes_served(NAME)
    ts.stack.start_worker(name="worker1")
    job = wait(ts, job_id, {"succeeded", "failed"})
    assert job["state"] == "succeeded", job
    httpx.delete(f"{ts.url}{API}/files/{job['result']['file_id']}")
    return at_kill, hub.bytes_served(NAME) - size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    size = args.size_mib << 20
    tmp = Path(tempfile.mkdtemp(prefix="bench-download-"))
    redis = Stack(tmp / "redis")
    try:
        write_gguf(tmp / "hub" / NAME, size)
        with FakeHub() as hub:
            hub.add_file(REPO, NAME, tmp / "hub" / NAME)
            base = redis.start_redis().rsplit("/", 1)[0]
            env = {
                "HF_ENDPOINT": hub.url,
                "HF_HUB_DISABLE_XET": "1",
                "HF_HUB_DISABLE_TELEMETRY": "1",
                "ROUNDHOUSE_DISK_MARGIN_BYTES": "0",
            }
            ts = start_stack(tmp / "stack", base, env=env)
            try:
                run(ts, hub, tmp, size, args.rounds)
            finally:
                ts.stop()
    finally:
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run(ts: TestStack, hub: FakeHub, tmp: Path, size: int, rounds: int) -> None:
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(ours(ts))
        theirs.append(baseline(hub, tmp / "baseline"))
    best_mine, best_theirs = min(mine), min(theirs)
    mb = size / 1e6
    print(f"file: {size / 2**20:.0f} MiB from a loopback fake Hub (CDN via sendfile)")
    print(
        f"install-job download: {mb / best_mine:8.1f} MB/s  (best of {rounds}: "
        f"{', '.join(f'{t:.2f}s' for t in mine)})"
    )
    print(
        f"hf_hub_download:      {mb / best_theirs:8.1f} MB/s  (best of {rounds}: "
        f"{', '.join(f'{t:.2f}s' for t in theirs)})"
    )
    print(f"throughput ratio ours/hf_hub_download: {best_theirs / best_mine:.2f}  (target >= 0.9)")
    at_kill, again = killed_halfway(ts, hub, size)
    print(
        f"kill -9 at {at_kill / size:.0%}: re-fetched {again} bytes = "
        f"{again / size:.3%} of the file  (target < 1%)"
    )


if __name__ == "__main__":
    main()
