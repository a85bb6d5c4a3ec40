"""A part written by several ranges at once: the sidecar names each segment's [start, end),
and `<name>.part.segments` holds how far each one got (8 bytes per segment, rewritten in
place after every write), so a killed download resumes every segment where it stopped."""

from __future__ import annotations

import errno
import os
import struct

from roundhouse.providers.hf.partfile import SIDECAR_KEYS, PartFile
from roundhouse.providers.hf.resolve import RemoteFile

Bounds = list[tuple[int, int]]
_POS = struct.Struct("<Q")


def plan(size: int, segments: int, above: int) -> Bounds | None:
    """Equal ranges for a file big enough to split; None means one stream."""
    if segments <= 1 or size < max(above, segments):
        return None
    step = -(-size // segments)
    return [(s, min(size, s + step)) for s in range(0, size, step)]


class SegmentedPart:
    """The segmented layout on top of a PartFile (which keeps the lock and the sidecar)."""

    def __init__(self, part: PartFile) -> None:
        self.part = part

    def saved(self, remote: RemoteFile) -> tuple[Bounds, list[int]] | None:
        """The segments and positions of a matching part on disk, if any."""
        meta = self.part.sidecar_data()
        current = remote.to_dict()
        if not meta or not meta.get("segments"):
            return None
        if any(meta.get(k) != current[k] for k in SIDECAR_KEYS):
            return None
        try:
            bounds = [(int(a), int(b)) for a, b in meta["segments"]]
            raw = self.part.progress.read_bytes()
            if self.part.path.stat().st_size != remote.size or len(raw) != 8 * len(bounds):
                return None
        except (OSError, ValueError, TypeError):
            return None
        at = [_POS.unpack_from(raw, 8 * i)[0] for i in range(len(bounds))]
        if any(not a <= p <= b for (a, b), p in zip(bounds, at, strict=True)):
            return None
        return bounds, at

    def open(self, remote: RemoteFile, bounds: Bounds) -> tuple[Bounds, list[int]]:
        """Lock the part; resume a matching layout, else allocate the whole file afresh."""
        saved = self.saved(remote)
        fh = self.part._lock("r+b" if saved else "w+b")
        if saved is None:
            _allocate(fh.fileno(), remote.size)
            at = [a for a, _ in bounds]
            self.part.progress.write_bytes(b"".join(_POS.pack(p) for p in at))
            self.part._write_sidecar(remote, segments=bounds)
            saved = bounds, at
        self.part._progress_fd = os.open(self.part.progress, os.O_WRONLY)
        return saved

    def record(self, index: int, position: int) -> None:
        """Segment `index` is on disk up to `position` (after the data was written)."""
        assert self.part._progress_fd is not None
        os.pwrite(self.part._progress_fd, _POS.pack(position), 8 * index)

    @property
    def fd(self) -> int:
        return self.part.handle.fileno()


def _allocate(fd: int, size: int) -> None:
    """Reserve the file's blocks up front (no fragmentation, no ENOSPC halfway) if possible."""
    os.ftruncate(fd, 0)
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        os.ftruncate(fd, size)
