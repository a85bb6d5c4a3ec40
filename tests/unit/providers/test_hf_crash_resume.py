"""A worker killed with SIGKILL mid-file: the next run resumes from the bytes on disk."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from roundhouse.providers.hf import download, resolve_file
from tests.fakes.control import RecordingControl
from tests.fakes.gguf_bytes import write_gguf
from tests.fakes.hub import FakeHub

REPO, FILE = "org/Crash-GGUF", "Crash-Q4_K_M.gguf"
ROOT = Path(__file__).resolve().parents[3]
CHILD = """
import sys, httpx
from pathlib import Path
from roundhouse.providers.hf import download, resolve_file
from tests.fakes.control import RecordingControl
remote = resolve_file(sys.argv[2], sys.argv[3], endpoint=sys.argv[1])
with httpx.Client() as client:
    download(remote, Path(sys.argv[4]), RecordingControl(), client=client)
"""


def _wait_for_bytes(part: Path, at_least: int, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if part.exists() and part.stat().st_size >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError(f"{part} never reached {at_least} bytes")


def test_resume_after_sigkill_fetches_only_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "src.gguf"
    sha = write_gguf(src, 6 << 20)
    dest = tmp_path / "models"
    part = dest / (FILE + ".part")
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, src)
        hub.trickle(2 << 20)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        argv = [sys.executable, "-c", CHILD, hub.url, REPO, FILE, str(dest)]
        child = subprocess.Popen(argv, cwd=ROOT, env=env)
        try:
            _wait_for_bytes(part, 1 << 20)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        have = part.stat().st_size
        assert 0 < have < src.stat().st_size
        assert json.loads(part.with_name(FILE + ".part.json").read_text())["sha256"] == sha

        hub.trickle(None)
        hub.reset_stats()
        control = RecordingControl()
        remote = resolve_file(REPO, FILE, endpoint=hub.url)  # fresh signed URL
        with httpx.Client() as client:
            path = download(remote, dest, control, client=client)

        assert hub.range_requests(FILE) == [f"bytes={have}-"]
        assert hub.bytes_served(FILE) == src.stat().st_size - have
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert "resuming" in control.reports[0]["message"]
        assert control.done_values[0] == have
        assert sorted(p.name for p in dest.iterdir()) == [FILE]


def test_fake_hub_runs_as_a_process(tmp_path: Path) -> None:
    repo_dir = tmp_path / "org" / "Proc-GGUF"
    sha = write_gguf(repo_dir / "Proc-Q8_0.gguf", 200_000)
    argv = [sys.executable, "-m", "tests.fakes.hub", "--port", "0", "--root", str(tmp_path)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(proc.stdout.readline())
        remote = resolve_file("org/Proc-GGUF", "Proc-Q8_0.gguf", endpoint=urls["url"])
        assert remote.sha256 == sha and remote.url.startswith(urls["cdn_url"])
        with httpx.Client() as client:
            client.post(f"{urls['url']}/_fake/faults", json={"drop_after": 50_000})
            download(remote, tmp_path / "out", RecordingControl(), client=client)
            stats = client.get(f"{urls['url']}/_fake/stats").json()
        assert stats["served"] == {"org/Proc-GGUF/Proc-Q8_0.gguf": 200_000}
        assert [r[2] for r in stats["ranges"]] == [None, "bytes=50000-"]
    finally:
        proc.terminate()
        proc.wait(10)
