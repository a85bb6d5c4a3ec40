"""A fake Hugging Face Hub on loopback, faithful to what huggingface_hub 2.4.0 reads.

Two origins, as on the real Hub: the hub (metadata, /resolve with 302 + X-Repo-Commit,
X-Linked-Etag, X-Linked-Size) and a CDN on another port that serves bytes with Range/206.
Fault knobs drop, refuse, trickle, corrupt or ignore Range; counters record bytes served and
Range headers per file so tests can assert that a resume fetched only the rest.

In-process:  `with FakeHub() as hub: hub.add_file("org/M-GGUF", "M-Q4_K_M.gguf", b"..."); hub.url`
As a process: `python -m tests.fakes.hub --port N --root DIR` (DIR/<org>/<name>/<files>); prints
one JSON line {"url", "cdn_url"}; knobs via POST /_fake/faults, counters via GET /_fake/stats
(either origin). The routes: tests/fakes/hub_sites.py (hub) and tests/fakes/hub_cdn.py (CDN).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.fakes import wire
from tests.fakes.hub_cdn import CdnSite
from tests.fakes.hub_sites import HubSite

LFS_SUFFIXES = (".gguf", ".bin", ".safetensors")


@dataclass
class HubFile:
    """A file in a fake repo, held in memory or on disk."""

    size: int
    sha256: str
    lfs: bool
    data: bytes | None = None
    path: Path | None = None

    def read(self, start: int, length: int) -> bytes:
        if self.data is not None:
            return self.data[start : start + length]
        assert self.path is not None
        with self.path.open("rb") as f:
            f.seek(start)
            return f.read(length)

    @property
    def git_sha1(self) -> str:
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
        body = pointer.encode() if self.lfs else self.read(0, self.size)
        return hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()


@dataclass
class HubRepo:
    files: dict[str, HubFile] = field(default_factory=dict)
    commit: str = "0" * 40
    history: set[str] = field(default_factory=set)
    gated_tokens: set[str] | None = None
    private_tokens: set[str] | None = None
    downloads: int = 0
    likes: int = 0
    license: str | None = None


@dataclass
class Faults:
    drop_after: int | None = None
    drop_every: bool = False
    fail_next: int = 0
    fail_status: int = 503
    fail_where: str = "cdn"
    retry_after: int | None = None
    trickle: int | None = None
    trickle_piece: int | None = None
    wrong_bytes: set[str] = field(default_factory=set)
    ignore_range: bool = False
    url_generation: int = 0


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class FakeHub:
    """State, knobs and counters of the fake; the HTTP side: hub_sites.py, hub_cdn.py."""

    def __init__(self, root: Path | None = None, *, port: int = 0, cdn_port: int = 0) -> None:
        self.repos: dict[str, HubRepo] = {}
        self.faults = Faults()
        self.lock = threading.Lock()
        self.served: Counter[tuple[str, str]] = Counter()
        self.ranges: list[tuple[str, str, str | None]] = []
        self.requests: list[tuple[str, str, int]] = []
        self.stats_epoch = 0  # responses begun before reset_stats() stop counting
        self.accounts: dict[str, str] = {}  # token -> user name, for /api/whoami-v2
        self.sites = [HubSite(self, port), CdnSite(self, cdn_port)]
        if root is not None:
            self.add_dir(root)

    # --- content -------------------------------------------------------------------------
    def add_file(
        self, repo: str, filename: str, data: bytes | Path, *, lfs: bool | None = None
    ) -> HubFile:
        """Add (or replace) a file; every change makes a new commit, like a push."""
        if isinstance(data, Path):
            f = HubFile(data.stat().st_size, _sha256_file(data), False, path=data)
        else:
            f = HubFile(len(data), hashlib.sha256(data).hexdigest(), False, data=bytes(data))
        f.lfs = filename.endswith(LFS_SUFFIXES) if lfs is None else lfs
        with self.lock:
            r = self.repos.setdefault(repo, HubRepo())
            r.files[filename] = f
            r.history.add(r.commit)
            seed = f"{repo}:{sorted((k, v.sha256) for k, v in r.files.items())}"
            r.commit = hashlib.sha1(seed.encode()).hexdigest()
        return f

    def add_dir(self, root: Path) -> None:
        """Load `root/<org>/<name>/<path...>` as repos."""
        for path in sorted(Path(root).glob("*/*/**/*")):
            if path.is_file():
                org, name, *rest = path.relative_to(root).parts
                self.add_file(f"{org}/{name}", "/".join(rest), path)

    def gate(self, repo: str, tokens: set[str] | tuple[str, ...] = ()) -> None:
        """Gated repo: files need a token from `tokens` (metadata stays public)."""
        self.repos[repo].gated_tokens = set(tokens)

    def make_private(self, repo: str, tokens: set[str] | tuple[str, ...] = ()) -> None:
        self.repos[repo].private_tokens = set(tokens)

    # --- knobs ---------------------------------------------------------------------------
    def drop_after(self, n: int | None, *, every: bool = False) -> None:
        """Close the connection after `n` body bytes of the next (or every) CDN response."""
        self.faults.drop_after, self.faults.drop_every = n, every

    def fail_next(
        self, n: int, status: int = 503, *, where: str = "cdn", retry_after: int | None = None
    ) -> None:
        """Answer `status` to the next `n` requests on `where` ("hub", "cdn" or "any")."""
        f = self.faults
        f.fail_next, f.fail_status, f.fail_where, f.retry_after = n, status, where, retry_after

    def trickle(self, bytes_per_s: int | None, piece: int | None = None) -> None:
        """Each connection gets `bytes_per_s`, in pieces of `piece` bytes (default: 1/20 s)."""
        self.faults.trickle, self.faults.trickle_piece = bytes_per_s, piece

    def serve_wrong_bytes(self, filename: str, on: bool = True) -> None:
        (self.faults.wrong_bytes.add if on else self.faults.wrong_bytes.discard)(filename)

    def ignore_range(self, on: bool = True) -> None:
        self.faults.ignore_range = on

    def expire_urls(self) -> None:
        """Signed CDN URLs handed out so far now answer 403, as after their expiry."""
        self.faults.url_generation += 1

    def configure(self, knobs: dict[str, Any]) -> None:
        """Apply knobs from JSON (process mode)."""
        if "drop_after" in knobs:
            self.drop_after(knobs["drop_after"], every=bool(knobs.get("drop_every")))
        if "fail_next" in knobs:
            self.fail_next(
                knobs["fail_next"],
                knobs.get("fail_status", 503),
                where=knobs.get("fail_where", "cdn"),
                retry_after=knobs.get("retry_after"),
            )
        if "trickle" in knobs:
            self.trickle(knobs["trickle"])
        for name in knobs.get("wrong_bytes", []):
            self.serve_wrong_bytes(name)
        if "ignore_range" in knobs:
            self.ignore_range(bool(knobs["ignore_range"]))
        if knobs.get("expire_urls"):
            self.expire_urls()
        if knobs.get("reset_stats"):
            self.reset_stats()

    # --- counters ------------------------------------------------------------------------
    def bytes_served(self, filename: str, repo: str | None = None) -> int:
        return sum(n for (r, f), n in self.served.items() if f == filename and repo in (None, r))

    def range_requests(self, filename: str) -> list[str | None]:
        """The Range header (or None) of every CDN GET for `filename`, in order."""
        return [rng for _, f, rng in self.ranges if f == filename]

    def reset_stats(self) -> None:
        with self.lock:
            self.stats_epoch += 1
            self.served.clear()
            self.ranges.clear()
            self.requests.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "served": {f"{r}/{f}": n for (r, f), n in self.served.items()},
            "ranges": [list(x) for x in self.ranges],
            "requests": len(self.requests),
        }

    def take_failure(self, where: str) -> int | None:
        """Consume one injected failure for this origin, if any is pending."""
        with self.lock:
            f = self.faults
            if f.fail_next > 0 and f.fail_where in (where, "any"):
                f.fail_next -= 1
                return f.fail_status
        return None

    def take_drop(self) -> int | None:
        with self.lock:
            n = self.faults.drop_after
            if not self.faults.drop_every:
                self.faults.drop_after = None
            return n

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeHub:
        for site in self.sites:
            site.go_up()
        return self

    def stop(self) -> None:
        for site in self.sites:
            site.stopping.set()
            site.go_down()

    @property
    def url(self) -> str:
        return self.sites[0].url

    @property
    def cdn_url(self) -> str:
        return self.sites[1].url

    def transport(self) -> httpx.MockTransport:
        """Both origins as one httpx transport (picked by port), no socket."""
        handlers = {site.port: wire.mock_handler(site) for site in self.sites}
        return httpx.MockTransport(
            lambda r: handlers.get(r.url.port, handlers[self.sites[0].port])(r)
        )

    def cdn_location(self, repo: str, commit: str, filename: str) -> str:
        expires = int(time.time()) + 3600
        gen = self.faults.url_generation
        return f"{self.cdn_url}/{repo}/{commit}/{quote(filename)}?Expires={expires}&gen={gen}"

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cdn-port", type=int, default=0)
    p.add_argument("--root", type=Path, required=True)
    p.add_argument("--trickle", type=int, default=None, help="CDN bytes per second")
    args = p.parse_args(argv)
    hub = FakeHub(args.root, port=args.port, cdn_port=args.cdn_port).start()
    hub.trickle(args.trickle)
    print(json.dumps({"url": hub.url, "cdn_url": hub.cdn_url}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        hub.stop()


if __name__ == "__main__":
    sys.exit(main())
