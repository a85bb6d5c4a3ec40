"""A plain HTTP/1.1 GET for the CDN's bytes: recv_into large buffers, no per-read parsing.

httpx reads 64 KiB at a time through h11, which on a busy 2-core machine tops out near the
disk's speed (~260 MB/s measured, against ~1 GB/s for recv_into): the body of an LFS file
from a CDN is therefore read on a socket of our own. The request and its answer stay simple:
GET with Range, `Connection: close`, redirects followed, Content-Length or read-to-close. Any
socket trouble is a `Retry`; a proxy in the environment or a chunked answer makes the caller
use httpx instead (`usable` / `Unsupported`).
"""

from __future__ import annotations

import contextlib
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

import httpx

from roundhouse.providers import tls
from roundhouse.providers.hf.retry import Retry

HEAD_MAX = 64 << 10
BUFFER = 1 << 20
REDIRECTS = {301, 302, 303, 307, 308}


class Unsupported(Exception):
    """An answer this reader does not handle (chunked): use httpx for it."""


class Headers(dict[str, str]):
    """Response headers, looked up case-insensitively like httpx's."""

    # dict.get has several overloads; this one lookup is all callers use
    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(str(key).lower())


def usable(url: str) -> bool:
    """Plain http(s) with no proxy configured for its host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    proxies = urllib.request.getproxies_environment()
    if parts.scheme not in proxies and "all" not in proxies:
        return True
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # public, not in typeshed
    return bool(bypass(parts.hostname, proxies))


class Response:
    """Status, headers and the body as memoryviews of freshly allocated buffers."""

    def __init__(self, sock: socket.socket, status: int, headers: Headers, rest: bytes) -> None:
        self.sock, self.status_code, self.headers, self._rest = sock, status, headers, rest
        length = headers.get("content-length")
        self.length = int(length) if length is not None and length.isdigit() else None

    def iter_raw(self) -> Iterator[memoryview]:
        """Each receive as a view (buffers are never reused, so views may be kept)."""
        left = self.length
        if self._rest:
            piece = memoryview(self._rest)[: left if left is not None else None]
            yield piece
            left = None if left is None else left - len(piece)
        buf, pos = memoryview(bytearray(BUFFER)), 0
        while left is None or left > 0:
            if pos == len(buf):
                buf, pos = memoryview(bytearray(BUFFER)), 0
            want = len(buf) - pos if left is None else min(len(buf) - pos, left)
            try:
                n = self.sock.recv_into(buf[pos : pos + want])
            except OSError as exc:
                raise Retry(f"connection to the CDN broke: {exc}") from None
            if not n:
                if left is None:
                    return
                raise Retry("connection closed early")
            yield buf[pos : pos + n]
            pos += n
            left = None if left is None else left - n

    def close(self) -> None:
        self.sock.close()


def _connect(url: str, timeout: float) -> tuple[socket.socket, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        if parts.scheme == "https":
            sock = tls.context().wrap_socket(sock, server_hostname=parts.hostname)
    except OSError as exc:
        raise Retry(f"could not connect to the CDN: {exc}") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return sock, path


def _request(url: str, headers: dict[str, str], timeout: float) -> Response:
    sock, path = _connect(url, timeout)
    lines = [f"GET {path} HTTP/1.1", f"Host: {urlsplit(url).netloc}", "Connection: close"]
    lines += ["User-Agent: roundhouse", *(f"{k}: {v}" for k, v in headers.items())]
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(HEAD_MAX)
            if not chunk or len(head) > HEAD_MAX:
                raise Retry("the CDN closed the connection before answering")
            head += chunk
    except OSError as exc:
        sock.close()
        raise Retry(f"connection to the CDN broke: {exc}") from None
    head, _, rest = head.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    found = Headers()
    for field in fields:
        name, _, value = field.partition(":")
        found[name.strip().lower()] = value.strip()
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError):
        sock.close()
        raise Retry(f"the CDN answered {status_line[:80]!r}") from None
    return Response(sock, status, found, rest)


def open_get(url: str, headers: dict[str, str], timeout: float) -> Response:
    """GET `url`, following up to 5 redirects; the caller closes the response."""
    for _ in range(6):
        r = _request(url, headers, timeout)
        if r.status_code not in REDIRECTS or "location" not in r.headers:
            break
        r.close()
        url = urljoin(url, r.headers["location"])
    if "chunked" in (r.headers.get("transfer-encoding") or "").lower():
        r.close()
        raise Unsupported(url)
    return r


@contextmanager
def get(
    client: httpx.Client, url: str, headers: dict[str, str], timeout: float, raw: bool
) -> Iterator[httpx.Response | Response]:
    """The CDN's answer through our own socket when `raw` and possible, else through httpx."""
    r = None
    if raw and usable(url):
        with contextlib.suppress(Unsupported):
            r = open_get(url, headers, timeout)
    if r is None:
        with client.stream("GET", url, headers=headers, timeout=timeout) as answer:
            yield answer
        return
    try:
        yield r
    finally:
        r.close()
