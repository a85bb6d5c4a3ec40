"""Segmented downloads: ranges in parallel, resume per segment after kill -9, one-stream
fallback when the CDN ignores Range, pause/cancel and progress as for one stream."""

from __future__ import annotations

import hashlib
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from roundhouse.core.errors import Cancelled, Paused
from roundhouse.providers.hf import download, resolve_file
from tests.fakes.gguf_bytes import write_gguf
from tests.fakes.hub import FakeHub
from tests.unit.providers.test_hf_download import Control

REPO, FILE = "org/Seg-GGUF", "Seg-Q4_K_M.gguf"
ROOT = Path(__file__).resolve().parents[3]
SEG = {"segments": 4, "segments_above": 1 << 20}
CHILD = """
import sys, httpx
from pathlib import Path
from roundhouse.providers.hf import download, resolve_file
from tests.fakes.control import RecordingControl
remote = resolve_file(sys.argv[2], sys.argv[3], endpoint=sys.argv[1])
with httpx.Client() as client:
    download(remote, Path(sys.argv[4]), RecordingControl(), client=client, segments=4,
             segments_above=1 << 20)
"""


@pytest.fixture
def src(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "src.gguf"
    return path, write_gguf(path, 32 << 20)


def fetch(hub: FakeHub, dest: Path, control: Control, **kw) -> Path:  # type: ignore[no-untyped-def]
    remote = resolve_file(REPO, FILE, endpoint=hub.url)
    with httpx.Client() as client:
        return download(remote, dest, control, client=client, backoff=0.01, **kw)


def positions(dest: Path) -> list[int]:
    raw = (dest / (FILE + ".part.segments")).read_bytes()
    return [struct.unpack_from("<Q", raw, i)[0] for i in range(0, len(raw), 8)]


def test_four_ranges_in_parallel_end_verified(tmp_path: Path, src) -> None:  # type: ignore[no-untyped-def]
    path, sha = src
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, path)
        control = Control()
        out = fetch(hub, tmp_path / "m", control, **SEG)
        quarter = (32 << 20) // 4
        wanted = [f"bytes={i * quarter}-{(i + 1) * quarter - 1}" for i in range(4)]
        assert sorted(hub.range_requests(FILE)) == sorted(wanted)
        assert hub.bytes_served(FILE) == 32 << 20
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
    assert sorted(p.name for p in out.parent.iterdir()) == [FILE]
    assert "4 segments" in control.reports[0]["message"]
    assert control.done[-1] == 32 << 20


def test_resume_after_kill_9_refetches_under_one_percent(tmp_path: Path, src) -> None:  # type: ignore[no-untyped-def]
    path, sha = src
    dest, size = tmp_path / "m", 32 << 20
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, path)
        hub.trickle(2 << 20, piece=8 << 10)  # per connection, so the kill lands mid-segment
        argv = [sys.executable, "-c", CHILD, hub.url, REPO, FILE, str(dest)]
        child = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                seg = dest / (FILE + ".part.segments")
                if (
                    seg.exists()
                    and sum(p - i * size // 4 for i, p in enumerate(positions(dest))) > size // 3
                ):
                    break
                time.sleep(0.02)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        at, before = positions(dest), hub.bytes_served(FILE)
        hub.reset_stats()
        assert all(i * size // 4 < p < (i + 1) * size // 4 for i, p in enumerate(at)), at
        hub.trickle(None)
        control = Control()
        out = fetch(hub, dest, control, **SEG)
        resumed = sorted(hub.range_requests(FILE))
        refetched = before + hub.bytes_served(FILE) - size
    assert resumed == sorted(f"bytes={p}-{(i + 1) * size // 4 - 1}" for i, p in enumerate(at))
    assert 0 <= refetched < size // 100, refetched
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
    assert control.done[0] == sum(p - i * size // 4 for i, p in enumerate(at))
    assert "resuming" in control.reports[0]["message"]


def test_cdn_ignoring_range_falls_back_to_one_stream(tmp_path: Path, src) -> None:  # type: ignore[no-untyped-def]
    path, sha = src
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, path)
        hub.ignore_range(True)
        control = Control()
        out = fetch(hub, tmp_path / "m", control, **SEG)
        requests = hub.range_requests(FILE)
    assert requests[-1] is None and all(r and r.startswith("bytes=") for r in requests[:-1])
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
    assert any("ignores Range" in (r.get("message") or "") for r in control.reports)
    assert sorted(p.name for p in out.parent.iterdir()) == [FILE]


def test_pause_keeps_segments_and_cancel_removes_them(tmp_path: Path, src) -> None:  # type: ignore[no-untyped-def]
    path, sha = src
    dest = tmp_path / "m"
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, path)
        hub.trickle(4 << 20, piece=16 << 10)
        paused = Control(Paused, lambda c: c.done and c.done[-1] > 4 << 20)
        with pytest.raises(Paused):
            fetch(hub, dest, paused, **SEG)
        kept = positions(dest)
        assert sum(p - i * (8 << 20) for i, p in enumerate(kept)) > 4 << 20
        assert any((r.get("speed") or 0) > 1 << 20 for r in paused.reports)
        assert any(r.get("eta") is not None for r in paused.reports)
        cancel = Control(Cancelled, lambda c: c.checks > 3)
        with pytest.raises(Cancelled):
            fetch(hub, dest, cancel, **SEG)
        assert list(dest.iterdir()) == []
        hub.trickle(None)
        out = fetch(hub, dest, Control(), **SEG)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
