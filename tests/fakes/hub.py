"""A fake Hugging Face Hub on loopback, faithful to what huggingface_hub 2.4.0 reads.

Two origins, as on the real Hub: the hub (metadata, /resolve with 302 + X-Repo-Commit,
X-Linked-Etag, X-Linked-Size) and a CDN on another port that serves bytes with Range/206.
Fault knobs drop, refuse, trickle, corrupt or ignore Range; counters record bytes served and
Range headers per file so tests can assert that a resume fetched only the rest.

In-process:  `with FakeHub() as hub: hub.add_file("org/M-GGUF", "M-Q4_K_M.gguf", b"..."); hub.url`
As a process: `python -m tests.fakes.hub --port N --root DIR` (DIR/<org>/<name>/<files>); prints
one JSON line {"url", "cdn_url"}; knobs via POST /_fake/faults, counters via GET /_fake/stats.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

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
    """State, knobs and counters of the fake; the HTTP side lives in the handler classes."""

    def __init__(self, root: Path | None = None, *, port: int = 0, cdn_port: int = 0) -> None:
        self.repos: dict[str, HubRepo] = {}
        self.faults = Faults()
        self.lock = threading.Lock()
        self.served: Counter[tuple[str, str]] = Counter()
        self.ranges: list[tuple[str, str, str | None]] = []
        self.requests: list[tuple[str, str, int]] = []
        self.stats_epoch = 0  # responses begun before reset_stats() stop counting
        self.accounts: dict[str, str] = {}  # token -> user name, for /api/whoami-v2
        self._ports = (port, cdn_port)
        self._servers: list[ThreadingHTTPServer] = []
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
        for port, handler in zip(self._ports, (HubHandler, CdnHandler), strict=True):
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            server.daemon_threads = True
            server.hub = self  # type: ignore[attr-defined]
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers]
        for t in stoppers:
            t.start()
        for t, server in zip(stoppers, self._servers, strict=True):
            t.join()
            server.server_close()
        self._servers.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].server_address[1]}"

    def cdn_location(self, repo: str, commit: str, filename: str) -> str:
        expires = int(time.time()) + 3600
        gen = self.faults.url_generation
        return f"{self.cdn_url}/{repo}/{commit}/{quote(filename)}?Expires={expires}&gen={gen}"

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def split_path(raw: str) -> tuple[list[str], dict[str, list[str]]]:
    """URL path segments (each unquoted after splitting, so %2F stays inside a segment)."""
    parts = urlsplit(raw)
    return [unquote(s) for s in parts.path.split("/")[1:]], parse_qs(parts.query)


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing: HTTP/1.1 keep-alive, quiet logs, JSON and error replies."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"

    @property
    def hub(self) -> FakeHub:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self.hub.requests.append((self.command, self.path, code))
        super().send_response(code, message)

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self.reply(status, body, {"Content-Type": "application/json", **(headers or {})})

    def error(self, status: int, code: str | None, message: str, **extra: str) -> None:
        headers = {"X-Error-Message": message, "X-Request-Id": f"Root=1-fake-{time.time_ns()}"}
        if code:
            headers["X-Error-Code"] = code
        self.json({"error": message}, status, {**headers, **extra})

    def injected_failure(self, where: str) -> bool:
        status = self.hub.take_failure(where)
        if status is None:
            return False
        extra = {}
        if self.hub.faults.retry_after is not None:
            extra["Retry-After"] = str(self.hub.faults.retry_after)
        self.error(status, None, "Service temporarily unavailable (injected)", **extra)
        return True


class HubHandler(_Handler):
    """The hub origin: /api/models..., /{repo}/resolve/{rev}/{path}, and /_fake control."""

    def do_HEAD(self) -> None:
        self.route()

    def do_GET(self) -> None:
        self.route()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length)
        self.route()

    def route(self) -> None:
        seg, query = split_path(self.path)
        if seg[:1] == ["_fake"]:
            return self.control(seg)
        if seg == ["api", "agent-harnesses"]:
            return self.json({"standardEnvVars": [], "harnesses": {}})
        if self.injected_failure("hub"):
            return None
        if seg == ["api", "whoami-v2"]:
            return self.whoami()
        if seg == ["api", "models"]:
            return self.list_models(query)
        if seg[:2] == ["api", "models"] and len(seg) >= 4:
            return self.api_models(f"{seg[2]}/{seg[3]}", seg[4:], query)
        if len(seg) >= 5 and seg[2] == "resolve":
            return self.resolve(f"{seg[0]}/{seg[1]}", seg[3], "/".join(seg[4:]))
        return self.error(404, None, "Not Found")

    def whoami(self) -> None:
        """The Hub's token check: the account, or 401 in the Hub's words."""
        name = self.hub.accounts.get(self.token or "")
        if name is None:
            return self.error(401, None, "Invalid credentials in Authorization header")
        return self.json({"type": "user", "id": "fake" + name, "name": name, "auth": {}})

    def control(self, seg: list[str]) -> None:
        if seg == ["_fake", "faults"] and self.command == "POST":
            self.hub.configure(json.loads(self.body or b"{}"))
            return self.json({"ok": True})
        return self.json(self.hub.stats())

    def repo_or_error(self, repo_id: str, *, files: bool) -> HubRepo | None:
        """The repo if this caller may see it, else the Hub's error (RepoNotFound/GatedRepo)."""
        repo, token = self.hub.repos.get(repo_id), self.token
        if repo is None or (repo.private_tokens is not None and token not in repo.private_tokens):
            status, msg = (401, "Invalid username or password.") if not token else (404, "")
            self.error(status, "RepoNotFound", msg or "Repository Not Found")
            return None
        if files and repo.gated_tokens is not None and token not in repo.gated_tokens:
            status = 401 if not token else 403
            self.error(status, "GatedRepo", f"Access to model {repo_id} is restricted.")
            return None
        return repo

    def commit_or_error(self, repo: HubRepo, rev: str) -> str | None:
        if rev in ("main", repo.commit) or rev in repo.history:
            return repo.commit
        self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        return None

    def resolve(self, repo_id: str, rev: str, filename: str) -> None:
        repo = self.repo_or_error(repo_id, files=True)
        commit = repo and self.commit_or_error(repo, rev)
        if not repo or not commit:
            return None
        f = repo.files.get(filename)
        if f is None:
            msg = f"{filename} does not exist on {rev}"
            return self.error(404, "EntryNotFound", msg, **{"X-Repo-Commit": commit})
        headers = {"X-Repo-Commit": commit, "Accept-Ranges": "bytes"}
        if not f.lfs:  # a regular git file: the hub serves it itself, ETag = git blob sha1
            headers["ETag"] = f'"{f.git_sha1}"'
            body = f.read(0, f.size) if self.command == "GET" else b""
            if body and filename in self.hub.faults.wrong_bytes:
                body = (
                    body[: f.size // 2]
                    + bytes([body[f.size // 2] ^ 0xFF])
                    + body[f.size // 2 + 1 :]
                )
            if body:
                with self.hub.lock:
                    self.hub.served[(repo_id, filename)] += len(body)
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(f.size))
            self.end_headers()
            self.wfile.write(body)
            return None
        location = self.hub.cdn_location(repo_id, commit, filename)
        headers |= {
            "Location": location,
            "X-Linked-Etag": f'"{f.sha256}"',
            "X-Linked-Size": str(f.size),
            "ETag": f'"{f.git_sha1}"',
            "Content-Type": "text/plain; charset=utf-8",
        }
        return self.reply(302, f"Found. Redirecting to {location}".encode(), headers)

    def list_models(self, query: dict[str, list[str]]) -> None:
        """GET /api/models: filter (tags, all must match), search (in the id), sort (descending,
        as the Hub does), limit, expand (only those fields besides _id and id)."""
        wanted = set(query.get("filter", []))
        needle = query.get("search", [""])[0].lower()
        rows = []
        for repo_id, repo in sorted(self.hub.repos.items()):
            if repo.private_tokens is not None:
                continue
            info = model_json(repo_id, repo, repo.commit, False)
            if wanted <= set(info["tags"]) and needle in repo_id.lower():
                rows.append(info)
        key = {"downloads": "downloads", "likes": "likes", "lastModified": "lastModified"}.get(
            query.get("sort", [""])[0]
        )
        if key:
            rows.sort(key=lambda row: row[key], reverse=True)
        rows = rows[: int(query.get("limit", ["1000"])[0])]
        expand = query.get("expand")
        default = ("id", "likes", "downloads", "tags", "pipeline_tag", "library_name", "createdAt")
        keep = {"_id", "id", *(expand or default)}
        return self.json([{k: v for k, v in row.items() if k in keep} for row in rows])

    def api_models(self, repo_id: str, rest: list[str], query: dict[str, list[str]]) -> None:
        repo = self.repo_or_error(repo_id, files=False)
        if repo is None:
            return None
        rev = (
            rest[1] if rest[:1] in (["revision"], ["tree"], ["paths-info"]) and rest[1:] else "main"
        )
        commit = self.commit_or_error(repo, rev)
        if commit is None:
            return None
        if rest[:1] == ["tree"]:
            recursive = query.get("recursive", ["false"])[0] == "true"
            return self.json(tree_entries(repo, "/".join(rest[2:]), recursive))
        if rest[:1] == ["paths-info"]:
            wanted = parse_qs(self.body.decode()).get("paths", [])
            entries = [e for e in tree_entries(repo, "", True) if e["path"] in wanted]
            return self.json(entries)
        blobs = query.get("blobs", ["false"])[0] == "true"
        return self.json(model_json(repo_id, repo, commit, blobs))


def _entry(path: str, f: HubFile) -> dict[str, Any]:
    e: dict[str, Any] = {"type": "file", "oid": f.git_sha1, "size": f.size, "path": path}
    if f.lfs:
        e["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
    return e


def tree_entries(repo: HubRepo, prefix: str, recursive: bool) -> list[dict[str, Any]]:
    """Tree listing: files under `prefix`, folders instead of their content unless recursive."""
    base = f"{prefix.rstrip('/')}/" if prefix else ""
    out: dict[str, dict[str, Any]] = {}
    for path, f in sorted(repo.files.items()):
        if not path.startswith(base):
            continue
        rest = path[len(base) :].split("/")
        if len(rest) > 1 and not recursive:
            folder = base + rest[0]
            out[folder] = {"type": "directory", "oid": "0" * 40, "size": 0, "path": folder}
        else:
            out[path] = _entry(path, f)
    return list(out.values())


def model_json(repo_id: str, repo: HubRepo, commit: str, blobs: bool) -> dict[str, Any]:
    siblings = []
    for path, f in sorted(repo.files.items()):
        s: dict[str, Any] = {"rfilename": path}
        if blobs:
            s |= {"blobId": f.git_sha1, "size": f.size}
            if f.lfs:
                s["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": 134}
        siblings.append(s)
    return {
        "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
        "id": repo_id,
        "modelId": repo_id,
        "author": repo_id.split("/")[0],
        "sha": commit,
        "private": repo.private_tokens is not None,
        "gated": "manual" if repo.gated_tokens is not None else False,
        "disabled": False,
        "lastModified": "2025-03-12T10:30:05.000Z",
        "createdAt": "2025-03-01T00:00:00.000Z",
        "tags": ["gguf", *([f"license:{repo.license}"] if repo.license else [])]
        if any(p.endswith(".gguf") for p in repo.files)
        else [],
        "library_name": "gguf",
        "pipeline_tag": "text-generation",
        "downloads": repo.downloads,
        "likes": repo.likes,
        **({"cardData": {"license": repo.license}} if repo.license else {}),
        "siblings": siblings,
    }


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end_exclusive) for `bytes=a-` / `bytes=a-b`; None means the whole file."""
    if not header or not header.startswith("bytes="):
        return None
    first, _, last = header[6:].split(",")[0].strip().partition("-")
    if not first:
        return max(0, size - int(last)), size
    return int(first), min(size, int(last) + 1) if last else size


class CdnHandler(_Handler):
    """The CDN origin: signed-looking URLs, Range/206/416, and the byte-level fault knobs."""

    def do_HEAD(self) -> None:
        self.serve()

    def do_GET(self) -> None:
        self.serve()

    def serve(self) -> None:
        seg, query = split_path(self.path)
        if self.injected_failure("cdn"):
            return None
        if int(query.get("gen", ["0"])[0]) < self.hub.faults.url_generation:
            return self.error(403, None, "Request has expired")
        repo_id, filename = "/".join(seg[:2]), "/".join(seg[3:])
        repo = self.hub.repos.get(repo_id)
        f = repo.files.get(filename) if repo else None
        if f is None:
            return self.error(404, None, "NoSuchKey")
        rng_header = self.headers.get("Range")
        if self.command == "GET":
            with self.hub.lock:
                self.hub.ranges.append((repo_id, filename, rng_header))
        rng = None if self.hub.faults.ignore_range else parse_range(rng_header, f.size)
        if rng and rng[0] >= f.size:
            return self.error(
                416, None, "Range Not Satisfiable", **{"Content-Range": f"bytes */{f.size}"}
            )
        start, end = rng or (0, f.size)
        self.send_response(206 if rng else 200)
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{f.size}")
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("ETag", f'"{f.sha256}"')
        name = filename.rsplit("/", 1)[-1]
        self.send_header("Content-Disposition", f'inline; filename="{name}";')
        self.end_headers()
        if self.command == "GET":
            self.send_body((repo_id, filename), f, start, end)
        return None

    def send_body(self, key: tuple[str, str], f: HubFile, start: int, end: int) -> None:
        faults = self.hub.faults
        self.epoch = self.hub.stats_epoch
        drop = self.hub.take_drop()
        stop = end if drop is None else min(end, start + drop)
        wrong = key[1] in faults.wrong_bytes
        try:
            if f.path is not None and not wrong and not faults.trickle:
                self.send_file(key, f, start, stop)
            else:
                self.send_pieces(key, f, start, stop, wrong)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if stop < end:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def count(self, key: tuple[str, str], n: int) -> None:
        with self.hub.lock:
            if self.epoch == self.hub.stats_epoch:
                self.hub.served[key] += n

    def send_file(self, key: tuple[str, str], f: HubFile, start: int, stop: int) -> None:
        assert f.path is not None
        with f.path.open("rb") as fh:
            while start < stop:
                sent = self.connection.sendfile(fh, start, min(stop - start, 8 << 20))
                if not sent:
                    raise BrokenPipeError
                self.count(key, sent)
                start += sent

    def send_pieces(
        self, key: tuple[str, str], f: HubFile, start: int, stop: int, wrong: bool
    ) -> None:
        rate = self.hub.faults.trickle
        step = (self.hub.faults.trickle_piece or max(1, rate // 20)) if rate else 1 << 20
        flip = f.size // 2
        while start < stop:
            piece = bytearray(f.read(start, min(step, stop - start)))
            if wrong and start <= flip < start + len(piece):
                piece[flip - start] ^= 0xFF
            self.wfile.write(piece)
            self.count(key, len(piece))
            start += len(piece)
            if rate:
                time.sleep(len(piece) / rate)


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
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        hub.stop()


if __name__ == "__main__":
    sys.exit(main())
