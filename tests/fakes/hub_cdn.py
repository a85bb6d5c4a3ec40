"""The fake Hub's CDN origin: signed-looking URLs, Range/206/416, and the byte-level faults
(drop the connection after N bytes, trickle, flip a byte, ignore Range, expired URLs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from tests.fakes.hub_sites import Site, hub_error, split_path
from tests.fakes.loopback import Answer, Drop, FileRegion, Request


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end_exclusive) for `bytes=a-` / `bytes=a-b`; None means the whole file."""
    if not header or not header.startswith("bytes="):
        return None
    first, _, last = header[6:].split(",")[0].strip().partition("-")
    if not first:
        return max(0, size - int(last)), size
    return int(first), min(size, int(last) + 1) if last else size


class CdnSite(Site):
    """The CDN origin."""

    name = "hub-cdn"
    origin = "cdn"

    def route(self, request: Request) -> Answer:
        seg, query = split_path(request.target)
        failure = self.injected_failure()
        if failure is not None:
            return failure
        if int(query.get("gen", ["0"])[0]) < self.hub.faults.url_generation:
            return hub_error(403, None, "Request has expired")
        repo_id, filename = "/".join(seg[:2]), "/".join(seg[3:])
        repo = self.hub.repos.get(repo_id)
        f = repo.files.get(filename) if repo else None
        if f is None:
            return hub_error(404, None, "NoSuchKey")
        rng_header = request.headers.get("range")
        if request.method == "GET":
            with self.hub.lock:
                self.hub.ranges.append((repo_id, filename, rng_header))
        rng = None if self.hub.faults.ignore_range else parse_range(rng_header, f.size)
        if rng and rng[0] >= f.size:
            return hub_error(
                416, None, "Range Not Satisfiable", **{"Content-Range": f"bytes */{f.size}"}
            )
        start, end = rng or (0, f.size)
        name = filename.rsplit("/", 1)[-1]
        headers = {
            "Content-Length": str(end - start),
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
            "ETag": f'"{f.sha256}"',
            "Content-Disposition": f'inline; filename="{name}";',
        }
        if rng:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{f.size}"
        body = self.body((repo_id, filename), f, start, end) if request.method == "GET" else b""
        return Answer(206 if rng else 200, body, headers)

    def body(self, key: tuple[str, str], f: Any, start: int, end: int) -> Any:
        """The bytes as served: straight from disk, or in pieces when a fault shapes them."""
        faults, epoch = self.hub.faults, self.hub.stats_epoch
        drop = self.hub.take_drop()
        stop = end if drop is None else min(end, start + drop)
        wrong = key[1] in faults.wrong_bytes

        def count(n: int) -> None:
            with self.hub.lock:
                if epoch == self.hub.stats_epoch:  # a response from before reset_stats() stops
                    self.hub.served[key] += n

        if f.path is not None and not wrong and not faults.trickle and stop == end:
            return FileRegion(f.path, start, stop, count)
        return self.pieces(f, start, stop, end, wrong, count)

    def pieces(
        self, f: Any, start: int, stop: int, end: int, wrong: bool, count: Callable[[int], None]
    ) -> Iterator[bytes]:
        rate = self.hub.faults.trickle
        step = (self.hub.faults.trickle_piece or max(1, rate // 20)) if rate else 1 << 20
        flip = f.size // 2
        while start < stop:
            piece = bytearray(f.read(start, min(step, stop - start)))
            if wrong and start <= flip < start + len(piece):
                piece[flip - start] ^= 0xFF
            yield bytes(piece)
            count(len(piece))
            start += len(piece)
            if rate:
                time.sleep(len(piece) / rate)
        if stop < end:
            raise Drop
