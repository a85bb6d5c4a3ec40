"""The `<name>.part` file and its JSON sidecar: what makes a download resumable after a crash."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any, BinaryIO, cast

from roundhouse.core.errors import Conflict, InvalidRequest
from roundhouse.providers.hf.refs import validate_repo_path
from roundhouse.providers.hf.resolve import RemoteFile

HASH_CHUNK = 1 << 20
SIDECAR_KEYS = ("repo_id", "filename", "sha256", "git_sha1", "size")


def target_path(dest_dir: Path, filename: str) -> Path:
    """Where a repo file lands under dest_dir; refuses any name that would escape it."""
    validate_repo_path(filename)
    root = Path(dest_dir).resolve()
    dest = (root / filename).resolve()
    if not dest.is_relative_to(root) or dest == root:
        raise InvalidRequest(f"file name {filename!r} would leave the download folder")
    return dest


def sha256_file(path: Path, limit: int | None = None) -> hashlib._Hash:
    """Hash a file (or its first `limit` bytes) in 1 MiB steps."""
    return _hash_into(hashlib.sha256(), path, limit)


def _hash_into(digest: hashlib._Hash, path: Path, limit: int | None) -> hashlib._Hash:
    left = path.stat().st_size if limit is None else limit
    with path.open("rb") as f:
        while left > 0 and (chunk := f.read(min(HASH_CHUNK, left))):
            digest.update(chunk)
            left -= len(chunk)
    return digest


def expected_digest(remote: RemoteFile) -> tuple[str, str | None]:
    """(name, hex) the bytes must hash to: the LFS sha256, else the git blob sha1, else none."""
    if remote.sha256:
        return "sha256", remote.sha256
    return ("git sha1", remote.git_sha1) if remote.git_sha1 else ("size", None)


def new_hasher(remote: RemoteFile) -> hashlib._Hash:
    """sha256 for LFS files; for a git file sha1 seeded with its `blob <size>\\0` header."""
    if remote.sha256 or not remote.git_sha1:
        return hashlib.sha256()
    return hashlib.sha1(b"blob %d\0" % remote.size)  # noqa: S324 - git's blob id, not security


def file_digest(path: Path, remote: RemoteFile, limit: int | None = None) -> hashlib._Hash:
    """The running hash `remote` is checked with, over the file's first `limit` bytes."""
    return _hash_into(new_hasher(remote), path, limit)


class PartFile:
    """A partial download beside its destination, locked while a process writes it."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.path = dest.with_name(dest.name + ".part")
        self.sidecar = dest.with_name(dest.name + ".part.json")
        self.progress = dest.with_name(dest.name + ".part.segments")
        self._fh: BinaryIO | None = None
        self._progress_fd: int | None = None

    def sidecar_data(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.sidecar.read_text())
        except (OSError, ValueError):
            return None

    def resumable(self, remote: RemoteFile) -> bool:
        """True if the part on disk belongs to the same bytes (same repo, file, hashes, size)."""
        meta = self.sidecar_data()
        if meta is None or not self.path.exists():
            return False
        current = remote.to_dict()
        same = all(meta.get(k) == current[k] for k in SIDECAR_KEYS)
        return same and self.path.stat().st_size <= remote.size and "segments" not in meta

    def open(self, remote: RemoteFile) -> tuple[int, hashlib._Hash]:
        """Lock and open the part; resume it if it matches `remote`, else start from zero."""
        resume = self.resumable(remote)
        fh = self._lock("r+b" if resume else "a+b")
        have = fh.seek(0, os.SEEK_END) if resume else 0
        fh.truncate(have)
        self._write_sidecar(remote)
        return have, file_digest(self.path, remote, have) if have else new_hasher(remote)

    def _lock(self, mode: str) -> BinaryIO:
        """Open the part exclusively: a second writer gets a Conflict."""
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        fh = cast(BinaryIO, self.path.open(mode))  # mode is always a binary one
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise Conflict(
                f"{self.dest.name} is already being downloaded by another job",
                hint="wait for that job, or cancel it",
            ) from None
        self._fh = fh
        return fh

    @property
    def handle(self) -> BinaryIO:
        assert self._fh is not None, "open() first"
        return self._fh

    def restart(self) -> None:
        """The server ignored Range: drop what we have and write from byte 0."""
        self.handle.seek(0)
        self.handle.truncate(0)

    def _write_sidecar(self, remote: RemoteFile, **extra: Any) -> None:
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        tmp.write_text(json.dumps({**remote.to_dict(), **extra}, indent=1))
        os.replace(tmp, self.sidecar)

    def close(self) -> None:
        if self._progress_fd is not None:
            os.close(self._progress_fd)
            self._progress_fd = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def discard(self) -> None:
        """Delete the part and its sidecar (cancel, sha mismatch, upstream change)."""
        self.close()
        for p in (self.path, self.sidecar, self.progress):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def commit(self, fsync: bool = True) -> Path:
        """Flush, then atomically move the verified part into place and drop the sidecar."""
        fh = self.handle
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())
        os.replace(self.path, self.dest)
        self.close()
        self.sidecar.unlink(missing_ok=True)
        self.progress.unlink(missing_ok=True)
        return self.dest
