"""The Hub's and the CDN's TLS context is built once per process, not once per download job
and per CDN connection (building one loads the whole CA bundle: ~40 ms of CPU each)."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roundhouse.core.settings import Settings
from roundhouse.providers import tls
from roundhouse.providers.hf import rawget, resolve_file
from roundhouse.providers.hf.retry import Retry
from roundhouse.tasks import gguf_stages
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.hub import FakeHub
from tests.unit.providers.test_hf_download import Control

REPO, FILE = "org/Tls-GGUF", "Tls-Q4_K_M.gguf"
DATA = gguf_bytes(200_000)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts TLS contexts built (httpx and the raw CDN socket both go through this call)."""
    made: list[int] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kw: Any) -> ssl.SSLContext:
        made.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    tls.reset()
    yield made
    tls.reset()


def closing_listener() -> tuple[socket.socket, int]:
    """A TCP port that accepts and hangs up: every TLS handshake there fails at once."""
    srv = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv, srv.getsockname()[1]


def test_download_jobs_and_cdn_connections_share_one_context(
    built: list[int], tmp_path: Path
) -> None:
    with FakeHub() as hub:
        hub.add_file(REPO, FILE, DATA)
        s = Settings(hf_endpoint=hub.url, data_dir=tmp_path)
        remote = resolve_file(REPO, FILE, endpoint=hub.url)
        built.clear()  # huggingface_hub's own client for the metadata, built once by it
        for i in range(2):  # two jobs' download clients
            (path,) = gguf_stages.download(s, [remote], tmp_path / str(i), Control())
            assert hashlib.sha256(path.read_bytes()).hexdigest() == remote.sha256
    srv, port = closing_listener()
    try:
        for _ in range(2):  # two raw connections to an https CDN (the handshake fails here)
            with pytest.raises(Retry):
                rawget.open_get(f"https://127.0.0.1:{port}/file", {}, 5)
    finally:
        srv.close()
    assert len(built) == 1


def test_health_checks_share_the_one_context(built: list[int]) -> None:
    """A worker checks every service every 5 s: a context per check was ~25 ms of CPU each."""
    from roundhouse.providers import health

    srv, port = closing_listener()
    try:
        targets = [
            health.Target(f"svc{n}", "flux", f"http://127.0.0.1:{port}/health") for n in range(4)
        ]
        for _ in range(3):
            answers = health.check_all(targets, timeout_s=2.0)
            assert all(not a["ok"] for a in answers.values())  # hung up: every check failed
    finally:
        srv.close()
    assert len(built) == 1  # one context for 12 checks (12 before)
