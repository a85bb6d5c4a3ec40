"""Writing and hashing off the receive loop: a thread fed through a bounded queue of buffers.

hashlib and os.write release the GIL, so the thread overlaps them with the socket reads. The
data is pushed to the disk as it goes (`sync_file_range`), so the final fsync is short instead
of flushing a whole file's dirty pages at the end.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import queue
import threading
from collections.abc import Callable

#: What a receive hands over: bytes, or a view of a receive buffer (never reused, see rawget).
Piece = bytes | memoryview
#: Start writing back every this many bytes, and wait for the window before the last one.
WRITEBACK_EVERY = 32 << 20
_SYNC_WRITE, _SYNC_WAIT_BEFORE = 2, 1
IOV_MAX = 1024


def _libc_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """Linux's sync_file_range(2) through ctypes (the os module does not expose it)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return fn


_sync_file_range = _libc_sync_file_range()


class Writeback:
    """Keeps dirty pages bounded: starts write-back of each window, waits on the one before."""

    def __init__(self, fd: int, start: int = 0, every: int = WRITEBACK_EVERY) -> None:
        self.fd, self.every = fd, every
        self.started = self.waited = start - start % every

    def advance(self, upto: int) -> None:
        """Bytes below `upto` are written: hand finished windows to the disk."""
        if _sync_file_range is None:
            return
        while upto - self.started >= self.every:
            _sync_file_range(self.fd, self.started, self.every, _SYNC_WRITE)
            if self.started - self.waited >= self.every:
                _sync_file_range(self.fd, self.waited, self.every, _SYNC_WAIT_BEFORE)
                self.waited += self.every
            self.started += self.every


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to start writing a range now (no wait); a no-op off Linux."""
    if _sync_file_range is not None and length > 0:
        _sync_file_range(fd, offset, length, _SYNC_WRITE)


class Writer:
    """Appends lists of buffers to an open file on one thread and hashes them on another."""

    def __init__(self, fd: int, hasher: hashlib._Hash, have: int, depth: int = 4) -> None:
        """Start writing at offset `have`, with at most `depth` lists of buffers waiting."""
        self.fd, self.hasher, self.written = fd, hasher, have
        self.writeback = Writeback(fd, have)
        self._to_write: queue.Queue[list[Piece] | None] = queue.Queue(maxsize=depth)
        self._to_hash: queue.Queue[list[Piece] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._write_loop, name="hf-writer", daemon=True),
            threading.Thread(target=self._hash_loop, name="hf-hasher", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def put(self, pieces: list[Piece]) -> None:
        """Queue buffers (blocks while the queue is full); raises the writer's error, if any."""
        if self._error is not None:
            raise self._error
        self._to_write.put(pieces)

    def close(self) -> int:
        """Write and hash what is queued, stop the threads; returns the bytes in the file."""
        self._to_write.put(None)
        for t in self._threads:
            t.join()
        if self._error is not None:
            raise self._error
        return self.written

    def _write_loop(self) -> None:
        while (pieces := self._to_write.get()) is not None:
            if self._error is not None:
                continue  # drain so put() never blocks forever
            try:
                self.written += write_all(self.fd, pieces, self.written)
                self.writeback.advance(self.written)
            except BaseException as exc:  # ENOSPC and friends: raised on the next put()
                self._error = exc
                continue
            self._to_hash.put(pieces)
        self._to_hash.put(None)

    def _hash_loop(self) -> None:
        update = self.hasher.update
        while (pieces := self._to_hash.get()) is not None:
            for p in pieces:
                update(p)


def write_all(fd: int, pieces: list[Piece], offset: int) -> int:
    """pwritev until every buffer is on the file at `offset`; returns the bytes written."""
    view = [memoryview(p) for p in pieces]
    total = 0
    while view:
        n = os.pwritev(fd, view[:IOV_MAX], offset + total)
        total += n
        while view and n >= len(view[0]):
            n -= len(view[0])
            view.pop(0)
        if n:
            view[0] = view[0][n:]
    return total
