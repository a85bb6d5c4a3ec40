"""Disk limits on a real small filesystem: an 8 MiB tmpfs mounted as the models folder.

Needs root for `mount -t tmpfs -o size=8m`; without it these tests are skipped (they never
fake the numbers). Preflight refusal before a byte is fetched, reservations between running
downloads, and a disk that fills up mid-download (the part is kept and the next try resumes).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.helpers import wait_done, wait_for, wait_state
from tests.stacks import TestStack, start_stack

API = "/api/providers/models"
MiB = 1 << 20


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    mount = tmp_path_factory.mktemp("tmpfs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def disk_stack(
    small_disk: Path, redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    env = {
        **fakes.env(),
        "ROUNDHOUSE_MODELS_DIR": str(small_disk),
        "ROUNDHOUSE_DISK_MARGIN_BYTES": "0",
        "ROUNDHOUSE_DISK_FLOOR": "0",
    }
    ts = start_stack(tmp_path_factory.mktemp("disk-stack"), redis_base, env=env)
    yield ts
    ts.stop()


def add(fakes: Fakes, size: int) -> tuple[str, str, bytes]:
    stamp = time.time_ns() % 10**10
    repo, name = f"disk/Big{stamp}-GGUF", f"Big{stamp}-Q4_K_M.gguf"
    data = gguf_bytes(size, name="big")
    fakes.hub.add_file(repo, name, data)
    return repo, name, data


def test_too_big_is_refused_with_numbers_before_a_byte(disk_stack: TestStack, fakes: Fakes) -> None:
    repo, name, _ = add(fakes, 10 * MiB)
    r = httpx.post(f"{disk_stack.url}{API}/install", json={"repo_id": repo, "quant": "Q4_K_M"})
    assert r.status_code == 409, r.text
    body = r.json()
    assert "not enough disk space: needs 10.5 MB" in body["message"]
    assert body["needed_bytes"] == 10 * MiB and body["free_bytes"] <= 8 * MiB
    assert fakes.hub.bytes_served(name) == 0
    assert httpx.get(f"{disk_stack.url}/api/jobs?kind=model.install").json()["jobs"] == []


def test_a_running_download_reserves_its_bytes(disk_stack: TestStack, fakes: Fakes) -> None:
    first, name1, _ = add(fakes, 5 * MiB)
    second, _, _ = add(fakes, 5 * MiB)
    fakes.hub.trickle(MiB)
    try:
        r = httpx.post(f"{disk_stack.url}{API}/hf-download", json={"repo_id": first, "file": name1})
        job_id = r.json()["id"]
        wait_state(disk_stack, job_id, {"running"})
        wait_for(lambda: httpx.get(f"{disk_stack.url}{API}/files").json()["disk"]["reserved"])
        r = httpx.post(
            f"{disk_stack.url}{API}/hf-download", json={"repo_id": second, "quant": "Q4_K_M"}
        )
        assert r.status_code == 409 and "reserved by running downloads" in r.json()["message"]
        httpx.post(f"{disk_stack.url}/api/jobs/{job_id}/cancel")
        wait_state(disk_stack, job_id, {"cancelled"})
    finally:
        fakes.hub.trickle(None)
    assert httpx.get(f"{disk_stack.url}{API}/files").json()["disk"]["reserved"] == {}


def test_disk_full_mid_download_keeps_the_part_and_resumes(
    disk_stack: TestStack, fakes: Fakes, small_disk: Path
) -> None:
    repo, name, data = add(fakes, 5 * MiB)
    filler = small_disk / "filler.bin"
    fakes.hub.trickle(2 * MiB)
    try:
        r = httpx.post(f"{disk_stack.url}{API}/hf-download", json={"repo_id": repo, "file": name})
        job_id = r.json()["id"]
        wait_done(disk_stack, job_id, MiB)
        # unbuffered: a write cut short by the full disk leaves nothing for close() to retry
        with filler.open("wb", buffering=0) as f, pytest.raises(OSError):
            for _ in range(8):  # fill whatever is left
                f.write(b"\0" * MiB)
        job = wait_state(disk_stack, job_id, {"failed", "succeeded"}, timeout=30)
    finally:
        fakes.hub.trickle(None)
        filler.unlink(missing_ok=True)
    assert job["state"] == "failed" and "disk filled up" in job["error"], job
    part = next(small_disk.glob(f"hf/{repo}/*.part"))
    have = part.stat().st_size
    assert have > 0
    r = httpx.post(f"{disk_stack.url}{API}/hf-download", json={"repo_id": repo, "file": name})
    job = wait_state(disk_stack, r.json()["id"], {"failed", "succeeded"}, timeout=60)
    assert job["state"] == "succeeded", job
    assert fakes.hub.range_requests(name)[-1] == f"bytes={have}-"
    assert Path(job["result"]["files"][0]).read_bytes() == data
