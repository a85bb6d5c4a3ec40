"""Several ranges of one file at once, for CDNs that limit each connection.

Each segment has a thread that GETs `bytes=pos-(end-1)`, writes at its offset and records its
position; the job's thread alone checks for cancel/pause and reports the summed progress. The
sha256 is one pass over the finished file (page cache), which measured faster than hashing in
order while segments complete (README, bench.download). A CDN that answers 200 to a Range
makes the caller fall back to one stream.
"""

from __future__ import annotations

import hashlib
import os
import threading

import httpx

from roundhouse.core.errors import ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.hf import partfile, rawget, retry
from roundhouse.providers.hf.errors import PROVIDER
from roundhouse.providers.hf.progress import Meter, Offset
from roundhouse.providers.hf.resolve import RemoteFile
from roundhouse.providers.hf.retry import Expired, Retry
from roundhouse.providers.hf.segfile import Bounds, SegmentedPart
from roundhouse.providers.hf.writer import Piece, Writeback, write_all

TICK = 0.1
HASH_READ = 4 << 20


class RangeIgnored(Exception):
    """The CDN sent the whole file for a Range request: use one stream instead."""


def chunk_bytes(size: int, segments: int) -> int:
    """Write (and record) every this many bytes: kill -9 loses < 0.25 % of the file."""
    return max(16 << 10, min(8 << 20, size // (400 * segments)))


class Segmented:
    """Downloads every unfinished segment of a SegmentedPart in parallel."""

    def __init__(self, seg: SegmentedPart, remote: RemoteFile, client: httpx.Client, opts: dict):
        self.seg, self.remote, self.client, self.opts = seg, remote, client, opts
        self.url, self.refresh = remote.url, opts.get("refresh")
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._url_lock = threading.Lock()

    def run(self, bounds: Bounds, at: list[int], control: Control, meter: Meter | Offset) -> None:
        """Until every segment is complete; control errors (pause, cancel) stop all of them."""
        self.bounds, self.at = bounds, list(at)
        self.chunk = chunk_bytes(self.remote.size, len(bounds))
        threads = [
            threading.Thread(target=self._segment, args=(i,), name=f"hf-seg{i}", daemon=True)
            for i, (_, end) in enumerate(bounds)
            if self.at[i] < end
        ]
        for t in threads:
            t.start()
        try:
            while any(t.is_alive() for t in threads):
                self.stop.wait(TICK)
                control.check()
                meter.update(self.done)
        finally:
            self.stop.set()
            for t in threads:
                t.join()
        if self.error is not None:
            raise self.error

    @property
    def done(self) -> int:
        return sum(p - a for (a, _), p in zip(self.bounds, self.at, strict=True))

    def _segment(self, i: int) -> None:
        try:
            self._fetch_all(i)
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            self.stop.set()

    def _fetch_all(self, i: int) -> None:
        budget, end = retry.Budget(self.opts), self.bounds[i][1]
        while self.at[i] < end and not self.stop.is_set():
            before, url = self.at[i], self.url
            try:
                self._fetch(i, url)
                if self.at[i] < end and not self.stop.is_set():
                    raise Retry("connection closed early")
            except Expired as exc:
                self._renew(url, str(exc), progressed=self.at[i] > before)
            except (Retry, httpx.TransportError) as exc:
                self.stop.wait(budget.wait_for(exc, self.at[i] > before, self.remote.filename))

    def _renew(self, used: str, why: str, progressed: bool) -> None:
        """One fresh URL for all segments, however many of them saw the old one expire."""
        with self._url_lock:
            if self.url != used:
                return
            if getattr(self, "_renewed", False) and not progressed:
                raise ProviderError(PROVIDER, f"the CDN keeps refusing the URL ({why})")
            self.url, self._renewed = retry.fresh(self.remote, self.refresh, why).url, True

    def _fetch(self, i: int, url: str) -> None:
        pos, end = self.at[i], self.bounds[i][1]
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={pos}-{end - 1}"}
        raw = self.remote.sha256 is not None
        with rawget.get(self.client, url, headers, self.opts["timeout"], raw) as r:
            if r.status_code == 200:
                raise RangeIgnored
            if r.status_code != 206:
                retry.check_failure(r, self.remote)
            retry.check_range(r, pos)
            self._receive(i, r, end)

    def _receive(self, i: int, r: httpx.Response | rawget.Response, end: int) -> None:
        fd, chunk, wb = self.seg.fd, self.chunk, Writeback(self.seg.fd, self.at[i])
        pieces: list[Piece] = []
        pending = 0
        try:
            for piece in r.iter_raw():
                pieces.append(piece[: end - self.at[i] - pending])
                pending += len(pieces[-1])
                if pending >= chunk:
                    self._write(i, pieces, wb, fd)
                    pieces, pending = [], 0
                if self.stop.is_set() or self.at[i] + pending >= end:
                    break
        finally:
            if pieces:
                self._write(i, pieces, wb, fd)

    def _write(self, i: int, pieces: list[Piece], wb: Writeback, fd: int) -> None:
        self.at[i] += write_all(fd, pieces, self.at[i])
        self.seg.record(i, self.at[i])
        wb.advance(self.at[i])


def digest(seg: SegmentedPart, remote: RemoteFile, control: Control) -> hashlib._Hash:
    """The file's hash in one pass, checking the job between reads."""
    hasher, left, offset = partfile.new_hasher(remote), remote.size, 0
    fd = seg.fd
    while left > 0:
        control.check()
        block = os.pread(fd, min(HASH_READ, left), offset)
        if not block:
            break
        hasher.update(block)
        offset += len(block)
        left -= len(block)
    return hasher
