"""A download that fills its data disk (Redis's AOF and the models on one small tmpfs): the
job fails with a disk message, the API answers 507 while Redis refuses writes,
the worker process survives Redis's MISCONF, and once space is freed the same download resumes
and succeeds without restarting anything (issue #12 D1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.cli.stack import Stack, free_port
from tests.conftest import IN_CI, Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.helpers import wait_for, wait_state
from tests.stacks import BASE_ENV, TestStack

MiB = 1 << 20
API = "/api/providers/models"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "data"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        message = f"cannot mount a tmpfs (run the tests as root): {done.stderr.strip()}"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def disk_stack(small_disk: Path, fakes: Fakes, tmp_path: Path) -> Iterator[TestStack]:
    """Redis (AOF on), a worker and the API whose data dir is the small disk; logs elsewhere."""
    env = {
        **os.environ,
        **BASE_ENV,
        **fakes.env(),
        "ROUNDHOUSE_DATA_DIR": str(small_disk),
        "ROUNDHOUSE_ENV_FILE": str(tmp_path / ".env"),
        "ROUNDHOUSE_DISK_FLOOR": "0",
        "ROUNDHOUSE_DISK_MARGIN_BYTES": "0",
        "ROUNDHOUSE_STALE_AFTER_S": "120",  # the job itself must say how it ended
    }
    stack = Stack(small_disk, env=env, logs=tmp_path / "logs")
    try:
        redis_url = stack.start_redis()
        stack.start_worker(concurrency=2)
        port = free_port()
        url = stack.start_api(port)
        stack.wait_worker(url)
        yield TestStack(stack, url, port, redis_url, "rh:")
    finally:
        stack.stop()


def fill(disk: Path, leave: int) -> Path:
    """Take all but `leave` free bytes of `disk`, so the download itself fills the rest."""
    filler = disk / "filler.bin"
    with filler.open("wb") as f:
        f.write(b"\0" * (shutil.disk_usage(disk).free - leave))
    return filler


def test_full_disk_fails_the_download_and_the_stack_carries_on(
    disk_stack: TestStack, fakes: Fakes, small_disk: Path
) -> None:
    stamp = time.time_ns() % 10**10
    repo, name = f"full/F{stamp}-GGUF", f"F{stamp}-Q4_K_M.gguf"
    data = gguf_bytes(6 * MiB, name="full-disk")
    fakes.hub.add_file(repo, name, data)
    api, worker = (
        httpx.Client(base_url=disk_stack.url, timeout=10),
        disk_stack.stack.procs["worker"],
    )
    fakes.hub.trickle(2 * MiB)
    try:
        job_id = api.post(f"{API}/hf-download", json={"repo_id": repo, "file": name}).json()["id"]
        wait_for(lambda: (api.get(f"/api/jobs/{job_id}").json().get("done") or 0) >= MiB)
        filler = fill(small_disk, leave=MiB)  # the download takes the last MiB

        def refused() -> httpx.Response | None:
            r = api.post("/api/jobs", json={"kind": "demo.count", "params": {"steps": 1}})
            return r if r.status_code == 507 else None

        r = wait_for(refused, 30, interval=0.2)
        assert r.json()["error"] == "disk_full"
        assert r.json()["message"] == f"disk full on {os.uname().nodename}: free space, then retry"
        assert api.get("/api/jobs").status_code == 200  # reads still answer
        time.sleep(3)  # the worker's consumer meets MISCONF on BRPOP and on its beats
        assert worker.poll() is None, "the worker process exited while Redis refused writes"
        filler.unlink()
    finally:
        fakes.hub.trickle(None)

    job = wait_state(disk_stack, job_id, {"failed", "succeeded"}, timeout=60)
    assert job["state"] == "failed" and "disk filled up" in job["error"], job
    assert wait_for(lambda: api.get("/healthz").json().get("workers"), 30, interval=0.2)
    assert worker.poll() is None, "the same worker process is still serving"
    have = next(small_disk.glob(f"models/hf/{repo}/*.part")).stat().st_size
    assert have > 0

    again = api.post(f"{API}/hf-download", json={"repo_id": repo, "file": name})
    assert again.status_code == 202, again.text
    job = wait_state(disk_stack, again.json()["id"], {"failed", "succeeded"}, timeout=60)
    assert job["state"] == "succeeded", job
    assert fakes.hub.range_requests(name)[-1] == f"bytes={have}-"
    assert Path(job["result"]["files"][0]).read_bytes() == data
    assert "Redis refuses writes" in disk_stack.log("worker")
