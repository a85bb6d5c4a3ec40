from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from roundhouse.core.errors import (
    Cancelled,
    Conflict,
    InvalidRequest,
    Paused,
    ProviderError,
    Unavailable,
)
from roundhouse.providers.hf import RemoteFile, download, download_files, resolve_file
from roundhouse.providers.hf.partfile import PartFile, target_path
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.hub import FakeHub

REPO, FILE = "org/Tiny-GGUF", "Tiny-Q4_K_M.gguf"
DATA = gguf_bytes(1_000_000)
SHA = hashlib.sha256(DATA).hexdigest()


class Control:
    """Records reports; raises a stop once `stop_when(self)` says so (like a user's click)."""

    def __init__(self, stop: type[Exception] | None = None, stop_when: Callable | None = None):
        self.reports: list[dict[str, Any]] = []
        self.stop, self.stop_when = stop, stop_when
        self.stopped_at: float | None = None
        self.raised_at: float | None = None
        self.checks = 0

    def report(self, **kw: Any) -> None:
        self.reports.append({**kw, "t": time.monotonic()})

    def check(self) -> None:
        self.checks += 1
        if self.stop and self.stop_when and self.stop_when(self):
            self.stopped_at = self.stopped_at or time.monotonic()
            self.raised_at = time.monotonic()
            raise self.stop()

    def event(self, type_: str, **data: Any) -> None:
        pass

    @property
    def done(self) -> list[int]:
        return [r["done"] for r in self.reports]


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, DATA)
        yield hub


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def fetch(hub: FakeHub, dest: Path, control: Control, client: httpx.Client, **kw: Any) -> Path:
    remote = resolve_file(REPO, FILE, endpoint=hub.url)
    return download(remote, dest, control, client=client, backoff=0.01, **kw)


def part_of(dest: Path) -> PartFile:
    return PartFile(dest / FILE)


def test_happy_path_verifies_and_reports(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    control = Control()
    path = fetch(hub, tmp_path, control, client)
    assert path == tmp_path / FILE and path.read_bytes() == DATA
    assert not part_of(tmp_path).path.exists() and not part_of(tmp_path).sidecar.exists()
    assert control.done[0] == 0 and control.done[-1] == len(DATA)
    assert control.done == sorted(control.done)
    assert control.reports[-1]["total"] == len(DATA)
    assert hub.bytes_served(FILE) == len(DATA)
    control2 = Control()  # a second call finds the verified file and fetches nothing
    assert fetch(hub, tmp_path, control2, client) == path
    assert hub.bytes_served(FILE) == len(DATA)


def test_resume_after_dropped_connection(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    hub.drop_after(300_000)
    assert fetch(hub, tmp_path, Control(), client).read_bytes() == DATA
    assert hub.range_requests(FILE) == [None, "bytes=300000-"]
    assert hub.bytes_served(FILE) == len(DATA)


def test_connection_dropping_every_time_still_progresses(hub, client, tmp_path: Path):
    hub.drop_after(256 * 1024, every=True)
    assert fetch(hub, tmp_path, Control(), client, retries=2).read_bytes() == DATA
    assert len(hub.range_requests(FILE)) == 4
    assert hub.bytes_served(FILE) == len(DATA)


def test_503_is_retried_then_gives_up(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    hub.fail_next(2, 503)
    assert fetch(hub, tmp_path, Control(), client).read_bytes() == DATA
    (tmp_path / FILE).unlink()
    hub.drop_after(200_000)
    hub.fail_next(10, 503)  # the first response is the 503, then every retry too
    with pytest.raises(Unavailable, match="kept failing") as err:
        fetch(hub, tmp_path, Control(), client, retries=2)
    assert "resume" in err.value.hint


def test_wrong_bytes_delete_the_part(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    hub.serve_wrong_bytes(FILE)
    with pytest.raises(ProviderError, match="sha256 mismatch.*partial file was deleted"):
        fetch(hub, tmp_path, Control(), client)
    assert list(tmp_path.iterdir()) == []


def test_pause_keeps_part_and_resume_fetches_only_the_rest(hub, client, tmp_path: Path):
    hub.trickle(500_000)
    start = time.monotonic()
    control = Control(Paused, lambda c: time.monotonic() - start > 0.3)
    with pytest.raises(Paused):
        fetch(hub, tmp_path, control, client)
    part = part_of(tmp_path)
    have = part.path.stat().st_size
    assert 0 < have < len(DATA)
    assert json.loads(part.sidecar.read_text())["sha256"] == SHA
    hub.trickle(None)
    hub.reset_stats()
    assert fetch(hub, tmp_path, Control(), client).read_bytes() == DATA
    assert hub.range_requests(FILE) == [f"bytes={have}-"]
    assert hub.bytes_served(FILE) == len(DATA) - have


def test_cancel_is_quick_while_trickling_and_deletes_the_part(hub, client, tmp_path: Path):
    hub.trickle(50_000)
    start = time.monotonic()
    control = Control(Cancelled, lambda c: time.monotonic() - start > 0.5)
    with pytest.raises(Cancelled):
        fetch(hub, tmp_path, control, client)
    # Seen at the first check after the click, and checks keep coming on a slow link (counts,
    # not clock margins: timings are bench material, and this machine is shared).
    assert control.raised_at is not None and control.checks >= 3
    assert list(tmp_path.iterdir()) == []
    before = [r for r in control.reports if r["t"] <= control.stopped_at]
    assert len(before) >= 2 and before[-1]["done"] > before[0]["done"]  # progress kept flowing


def test_expired_url_is_refreshed(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    remote = resolve_file(REPO, FILE, endpoint=hub.url)
    hub.expire_urls()
    with pytest.raises(ProviderError, match="refused the download URL"):
        download(remote, tmp_path, Control(), client=client)
    calls: list[RemoteFile] = []

    def refresh(old: RemoteFile) -> RemoteFile:
        calls.append(old)
        return resolve_file(old.repo_id, old.filename, endpoint=hub.url)

    assert download(remote, tmp_path, Control(), client=client, refresh=refresh).exists()
    assert calls == [remote]


def test_part_for_other_bytes_is_thrown_away(hub, client, tmp_path: Path):
    part = part_of(tmp_path)
    part.path.write_bytes(b"x" * 1000)
    part.sidecar.write_text(json.dumps({"repo_id": REPO, "filename": FILE, "sha256": "0" * 64}))
    assert fetch(hub, tmp_path, Control(), client).read_bytes() == DATA
    assert hub.range_requests(FILE) == [None]


def test_server_ignoring_range_restarts_cleanly(hub, client, tmp_path: Path):
    part = part_of(tmp_path)
    remote = resolve_file(REPO, FILE, endpoint=hub.url)
    part.path.write_bytes(DATA[:400_000])
    part.sidecar.write_text(json.dumps(remote.to_dict()))
    hub.ignore_range()
    assert download(remote, tmp_path, Control(), client=client).read_bytes() == DATA


def test_a_second_writer_is_refused(hub: FakeHub, tmp_path: Path):
    remote = resolve_file(REPO, FILE, endpoint=hub.url)
    first = PartFile(tmp_path / FILE)
    first.open(remote)
    try:
        with pytest.raises(Conflict, match="already being downloaded"):
            PartFile(tmp_path / FILE).open(remote)
    finally:
        first.close()


def test_paths_never_escape_the_download_dir(tmp_path: Path):
    for bad in ("../evil.gguf", "/abs.gguf", "a/../../evil.gguf", "a\\b.gguf"):
        with pytest.raises(InvalidRequest):
            target_path(tmp_path, bad)
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(InvalidRequest, match="leave the download folder"):
        target_path(tmp_path, "link/x.gguf")


def test_download_files_aggregates_progress(hub: FakeHub, client: httpx.Client, tmp_path: Path):
    names = [f"Q8_0/Tiny-Q8_0-0000{i}-of-00002.gguf" for i in (1, 2)]
    for i, name in enumerate(names):
        hub.add_file(REPO, name, DATA[i * 500_000 : (i + 1) * 500_000])
    files = [resolve_file(REPO, n, endpoint=hub.url) for n in names]
    control = Control()
    paths = download_files(files, tmp_path, control, client=client)
    assert b"".join(p.read_bytes() for p in paths) == DATA
    assert control.done == sorted(control.done) and control.done[-1] == 1_000_000
    assert {r["total"] for r in control.reports} == {1_000_000}


def test_download_files_cancel_removes_finished_files(hub, client, tmp_path: Path):
    names = [f"Tiny-Q8_0-0000{i}-of-00002.gguf" for i in (1, 2)]
    for name in names:
        hub.add_file(REPO, name, DATA[:300_000])
    files = [resolve_file(REPO, n, endpoint=hub.url) for n in names]
    control = Control(Cancelled, lambda c: c.reports and c.reports[-1]["done"] >= 300_000)
    with pytest.raises(Cancelled):
        download_files(files, tmp_path, control, client=client)
    assert list(tmp_path.iterdir()) == []


def test_report_interval_is_bounded_on_a_fast_link(hub, client, tmp_path: Path):
    big = gguf_bytes(8 << 20)
    hub.add_file(REPO, "Big-Q8_0.gguf", big)
    control = Control()
    remote = resolve_file(REPO, "Big-Q8_0.gguf", endpoint=hub.url)
    download(remote, tmp_path, control, client=client)
    assert len(control.reports) < 20  # throttled: not one report per network read
