"""One connection from where the part ends to the end of the file.

The receive loop gathers the socket's pieces and writes them every HAND_OFF bytes (one
receive buffer, still in the CPU's cache) or HAND_OFF_S seconds, then hands them to the hasher
thread; it checks the job at most every CHECK_EVERY seconds.
"""

from __future__ import annotations

import time

import httpx

from roundhouse.core.errors import ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.hf import partfile, rawget, retry
from roundhouse.providers.hf.errors import PROVIDER
from roundhouse.providers.hf.partfile import PartFile
from roundhouse.providers.hf.progress import Meter, Offset
from roundhouse.providers.hf.resolve import RemoteFile
from roundhouse.providers.hf.retry import Expired, Refresh, Retry
from roundhouse.providers.hf.writer import Piece, Writer

CHECK_EVERY = 0.1
#: Write every receive buffer as it fills (a kill -9 loses at most this much received data).
HAND_OFF = rawget.BUFFER
HAND_OFF_S = 0.1
#: Lists of buffers the hasher may lag behind the writes (~8 MiB).
HASH_DEPTH = 8


class Transfer:
    """One file's single-stream transfer into an open PartFile."""

    def __init__(self, part: PartFile, remote: RemoteFile, control: Control, meter: Meter | Offset):
        self.part, self.remote, self.control, self.meter = part, remote, control, meter
        self.have, self.hasher = part.open(remote)
        self._next_check = 0.0

    def tick(self) -> None:
        """control.check() at most every CHECK_EVERY seconds, so a slow store is not hammered."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + CHECK_EVERY
            self.control.check()

    def stream(self, client: httpx.Client, url: str, timeout: float) -> None:
        """One GET from `have` to the end; raises Retry/Expired/ProviderError on trouble."""
        headers = {"Accept-Encoding": "identity"}
        if self.have:
            headers["Range"] = f"bytes={self.have}-"
        raw = self.remote.sha256 is not None  # LFS bytes on a CDN: our own socket
        with rawget.get(client, url, headers, timeout, raw) as r:
            self._check_status(r)
            writer = Writer(self.part.handle.fileno(), self.hasher, self.have, HASH_DEPTH)
            try:
                self._receive(r, writer)
            finally:
                self.have = writer.close()  # what was received is kept, even on pause/error

    def _receive(self, r: httpx.Response | rawget.Response, writer: Writer) -> None:
        """Write pieces every HAND_OFF bytes (or HAND_OFF_S on a slow link); progress is
        what is written, so a kill -9 never loses bytes that were shown as done."""
        pieces: list[Piece] = []
        pending, chunk, handed = 0, HAND_OFF, time.monotonic()
        try:
            for piece in r.iter_raw():
                pieces.append(piece)
                pending += len(piece)
                now = time.monotonic()
                if pending >= chunk or now - handed >= HAND_OFF_S:
                    writer.put(pieces)
                    pieces, pending, handed = [], 0, now
                self.meter.update(writer.written)
                self.tick()
        finally:
            if pieces:  # received bytes are good bytes, even when the connection broke
                writer.put(pieces)

    def _check_status(self, r: httpx.Response | rawget.Response) -> None:
        if r.status_code == 206:
            return retry.check_range(r, self.have)
        if r.status_code == 200:
            if self.have:  # Range ignored: the body starts at byte 0
                self.part.restart()
                self.have, self.hasher = 0, partfile.new_hasher(self.remote)
                self.meter.rebase(0)
            return None
        return retry.check_failure(r, self.remote)


def run(t: Transfer, client: httpx.Client, refresh: Refresh | None, opts: dict) -> None:
    """Fetch until complete, retrying transient failures (the budget resets when bytes flow)."""
    budget, refreshed, url = retry.Budget(opts), False, t.remote.url
    while t.have < t.remote.size:
        t.control.check()
        before = t.have
        try:
            t.stream(client, url, opts["timeout"])
            if t.have < t.remote.size:
                raise Retry("connection closed early")
        except Expired as exc:
            if refreshed and t.have == before:
                raise ProviderError(PROVIDER, f"the CDN keeps refusing the URL ({exc})") from None
            url, refreshed = retry.fresh(t.remote, refresh, str(exc)).url, True
        except (Retry, httpx.TransportError) as exc:
            wait = budget.wait_for(exc, t.have > before, t.remote.filename)
            retry.sleep(wait, t.control)
