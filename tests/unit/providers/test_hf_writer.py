"""The single stream's writer: the receiving thread writes each buffer itself (while the bytes
are still in the CPU's cache) and a hashing thread follows; a disk error stops the receive at
the write that failed."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from roundhouse.providers.hf import writer as writer_mod
from roundhouse.providers.hf.writer import Writer

DATA = [os.urandom(300_000) for _ in range(5)]


class ThreadSpyHash:
    """A sha256 that notes which thread fed it."""

    def __init__(self) -> None:
        self.inner, self.threads = hashlib.sha256(), set[str]()

    def update(self, data: Any) -> None:
        self.threads.add(threading.current_thread().name)
        self.inner.update(data)


def test_the_receiving_thread_writes_and_another_thread_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrote_on: set[str] = set()
    real = os.pwritev

    def spy(fd: int, buffers: Any, offset: int) -> int:
        wrote_on.add(threading.current_thread().name)
        return real(fd, buffers, offset)

    monkeypatch.setattr(writer_mod.os, "pwritev", spy)
    fd = os.open(tmp_path / "f.part", os.O_RDWR | os.O_CREAT)
    spy_hash = ThreadSpyHash()
    w = Writer(fd, spy_hash, 0)  # type: ignore[arg-type]  # duck-typed hasher
    try:
        for i, piece in enumerate(DATA):
            w.put([memoryview(piece)[:1000], memoryview(piece)[1000:]])
            done = sum(len(p) for p in DATA[: i + 1])
            assert w.written == done  # on disk when put returns, not later
            assert os.pread(fd, done + 1, 0) == b"".join(DATA[: i + 1])
        assert w.close() == sum(map(len, DATA))
    finally:
        os.close(fd)
    assert wrote_on == {threading.current_thread().name}
    assert spy_hash.threads == {"hf-hasher"}
    assert spy_hash.inner.hexdigest() == hashlib.sha256(b"".join(DATA)).hexdigest()


def test_a_disk_error_raises_from_the_put_that_failed(tmp_path: Path) -> None:
    path = tmp_path / "f.part"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDONLY)  # every write fails, as on a failing disk
    w = Writer(fd, hashlib.sha256(), 0)
    try:
        with pytest.raises(OSError):
            w.put([DATA[0]])
        assert w.close() == 0  # the hasher stops; nothing counts as written
    finally:
        os.close(fd)
