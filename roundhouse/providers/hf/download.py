"""Our own resumable downloader: survives process death, reports often, cancels quickly.

huggingface_hub restarts from byte 0 after a crash and reports every 10 MiB, so the transfer is
ours: `<name>.part` + sidecar beside the destination, HTTP Range to resume, bounded retries with
backoff within a run, the Hub's hash checked before an atomic rename (the LFS sha256, or the
git blob sha1 of a regular file such as config.json). A large file is fetched in several
ranges at once when the CDN honours them (`segments`), else in one stream (`stream.py`).
Callers resolve the file afresh before every start (signed URLs expire) and may pass
`refresh` to re-resolve mid-run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx

from roundhouse.core.errors import Cancelled, ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.hf import partfile, segfile, segments, stream
from roundhouse.providers.hf.errors import PROVIDER
from roundhouse.providers.hf.partfile import PartFile, target_path
from roundhouse.providers.hf.progress import Meter, Offset
from roundhouse.providers.hf.resolve import RemoteFile
from roundhouse.providers.hf.retry import Refresh

__all__ = ["Refresh", "download"]
SEGMENTS_ABOVE = 256 << 20


def _verify(part: PartFile, remote: RemoteFile, have: int, hasher: hashlib._Hash) -> None:
    """Size and the Hub's hash (sha256, or git sha1 for a non-LFS file) must match first."""
    kind, want = partfile.expected_digest(remote)
    got = hasher.hexdigest() if want else None
    if have != remote.size or got != want:
        part.discard()
        says = f"{kind} {want}" if want else f"{remote.size} bytes"
        raise ProviderError(
            PROVIDER,
            f"{kind} mismatch for {remote.filename}: got {got or have}, the Hub says {says} "
            f"({have} of {remote.size} bytes); the partial file was deleted",
            hint="retry the download; if it fails again the mirror or proxy serves wrong bytes",
        )


def _already_there(dest: Path, remote: RemoteFile) -> bool:
    want = partfile.expected_digest(remote)[1]
    if not dest.is_file() or dest.stat().st_size != remote.size:
        return False
    return want is None or partfile.file_digest(dest, remote).hexdigest() == want


def download(
    remote: RemoteFile,
    dest_dir: Path,
    control: Control,
    *,
    client: httpx.Client,
    refresh: Refresh | None = None,
    retries: int = 5,
    backoff: float = 0.5,
    max_backoff: float = 8.0,
    timeout: float = 30.0,
    fsync: bool = True,
    segments: int = 1,
    segments_above: int = SEGMENTS_ABOVE,
    meter: Meter | Offset | None = None,
) -> Path:
    """Download `remote` to dest_dir/<filename>, resuming a matching part; returns the path."""
    dest = target_path(dest_dir, remote.filename)
    meter = meter or Meter(control, remote.size)
    if _already_there(dest, remote):
        meter.update(remote.size, force=True, message=f"{remote.filename} already downloaded")
        return dest
    part = PartFile(dest)
    opts: dict[str, Any] = {"retries": retries, "backoff": backoff, "max_backoff": max_backoff}
    opts |= {"timeout": timeout, "refresh": refresh}
    bounds = segfile.plan(remote.size, segments, segments_above)
    try:
        have, hasher = _transfer(part, remote, control, meter, client, bounds, opts)
    except Cancelled:
        part.discard()
        raise
    except BaseException:  # Paused, errors: keep part + sidecar for the next run
        part.close()
        raise
    _verify(part, remote, have, hasher)
    path = part.commit(fsync=fsync)
    meter.update(remote.size, force=True, message=f"{remote.filename} verified")
    return path


def _transfer(
    part: PartFile,
    remote: RemoteFile,
    control: Control,
    meter: Meter | Offset,
    client: httpx.Client,
    bounds: segfile.Bounds | None,
    opts: dict[str, Any],
) -> tuple[int, hashlib._Hash]:
    """Segmented when planned or already begun that way (unless the CDN ignores Range)."""
    seg = segfile.SegmentedPart(part)
    if seg.saved(remote) or (bounds and not part.resumable(remote)):
        try:
            return _segmented(seg, remote, control, meter, client, bounds, opts)
        except segments.RangeIgnored:
            part.close()
            part.discard()
            meter.update(
                0, force=True, message=f"the CDN ignores Range: one stream for {remote.filename}"
            )
    t = stream.Transfer(part, remote, control, meter)
    meter.rebase(t.have)
    meter.update(t.have, force=True, message=_start_message(remote, t.have))
    stream.run(t, client, opts["refresh"], opts)
    return t.have, t.hasher


def _segmented(
    seg: segfile.SegmentedPart,
    remote: RemoteFile,
    control: Control,
    meter: Meter | Offset,
    client: httpx.Client,
    bounds: segfile.Bounds | None,
    opts: dict[str, Any],
) -> tuple[int, hashlib._Hash]:
    bounds, at = seg.open(remote, bounds or [])
    job = segments.Segmented(seg, remote, client, opts)
    job.bounds, job.at = bounds, list(at)
    meter.rebase(job.done)
    meter.update(job.done, force=True, message=_start_message(remote, job.done, len(bounds)))
    job.run(bounds, at, control, meter)
    meter.update(remote.size, force=True, message=f"checking the hash of {remote.filename}")
    return remote.size, segments.digest(seg, remote, control)


def _start_message(remote: RemoteFile, have: int, parts: int = 1) -> str:
    ways = f" in {parts} segments" if parts > 1 else ""
    if have:
        return f"resuming {remote.filename}{ways} at {have} of {remote.size} bytes"
    return f"downloading {remote.filename}{ways}"
