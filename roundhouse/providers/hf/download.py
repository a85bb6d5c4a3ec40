"""Our own resumable downloader: survives process death, reports often, cancels between chunks.

huggingface_hub restarts from byte 0 after a crash and reports every 10 MiB, so the transfer is
ours: `<name>.part` + sidecar beside the destination, HTTP Range to resume, bounded retries with
backoff within a run, the Hub's hash checked before an atomic rename (the LFS sha256, or the
git blob sha1 of a regular file such as config.json). Callers resolve the file afresh
before every start (signed URLs expire) and may pass `refresh` to re-resolve mid-run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from roundhouse.core.errors import Cancelled, ProviderError, Unavailable
from roundhouse.providers.base import Control
from roundhouse.providers.hf import partfile
from roundhouse.providers.hf.errors import PROVIDER
from roundhouse.providers.hf.partfile import PartFile, target_path
from roundhouse.providers.hf.progress import Meter, Offset
from roundhouse.providers.hf.resolve import RemoteFile

CHECK_EVERY = 0.1
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
EXPIRED_STATUSES = {401, 403, 410}
Refresh = Callable[[RemoteFile], RemoteFile]


class _Retry(Exception):
    """A transient failure: wait and try again from where we are."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _Expired(Exception):
    """The CDN refused the signed URL: resolve again for a fresh one."""


class _Transfer:
    """One file's transfer into an open PartFile, with throttled checks and progress."""

    def __init__(self, part: PartFile, remote: RemoteFile, control: Control, meter: Meter | Offset):
        self.part, self.remote, self.control, self.meter = part, remote, control, meter
        self.have, self.hasher = part.open(remote)
        self._next_check = 0.0

    def tick(self) -> None:
        """control.check() at most every CHECK_EVERY seconds, so a slow store is not hammered."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + CHECK_EVERY
            self.control.check()

    def stream(self, client: httpx.Client, url: str, timeout: float) -> None:
        """One GET from `have` to the end; raises _Retry/_Expired/ProviderError on trouble."""
        headers = {"Accept-Encoding": "identity"}
        if self.have:
            headers["Range"] = f"bytes={self.have}-"
        with client.stream("GET", url, headers=headers, timeout=timeout) as r:
            self._check_status(r)
            out = self.part.handle
            for piece in r.iter_raw():
                out.write(piece)
                self.hasher.update(piece)
                self.have += len(piece)
                self.meter.update(self.have)
                self.tick()

    def _check_status(self, r: httpx.Response) -> None:
        status = r.status_code
        if status == 206:
            expected = f"bytes {self.have}-"
            if not r.headers.get("Content-Range", "").startswith(expected):
                raise ProviderError(PROVIDER, f"CDN answered the wrong range ({expected} wanted)")
            return
        if status == 200:
            if self.have:  # Range ignored: the body starts at byte 0
                self.part.restart()
                self.have, self.hasher = 0, partfile.new_hasher(self.remote)
                self.meter.rebase(0)
            return
        if status in EXPIRED_STATUSES:
            raise _Expired(f"HTTP {status}")
        if status in RETRY_STATUSES:
            raise _Retry(f"HTTP {status}", _retry_after(r))
        raise ProviderError(PROVIDER, f"CDN answered HTTP {status} for {self.remote.filename}")


def _retry_after(r: httpx.Response) -> float | None:
    try:
        return float(r.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _sleep(seconds: float, control: Control) -> None:
    """Back off in small slices so a cancel or pause is still seen quickly."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        control.check()
        time.sleep(min(left, 0.05))


def _fresh(remote: RemoteFile, refresh: Refresh | None, why: str) -> RemoteFile:
    """A new signed URL for the same bytes, or a clear error if that is impossible."""
    if refresh is None:
        raise ProviderError(PROVIDER, f"the CDN refused the download URL ({why})")
    new = refresh(remote)
    if (new.sha256, new.git_sha1, new.size) != (remote.sha256, remote.git_sha1, remote.size):
        raise ProviderError(
            PROVIDER,
            f"{remote.filename} changed on the Hub during the download",
            hint="start the download again",
        )
    return new


def _run(t: _Transfer, client: httpx.Client, refresh: Refresh | None, opts: dict) -> None:
    """Fetch until complete, retrying transient failures (the budget resets when bytes flow)."""
    failures, refreshed, url = 0, False, t.remote.url
    while t.have < t.remote.size:
        t.control.check()
        before = t.have
        try:
            t.stream(client, url, opts["timeout"])
            if t.have < t.remote.size:
                raise _Retry("connection closed early")
        except _Expired as exc:
            if refreshed and t.have == before:
                raise ProviderError(PROVIDER, f"the CDN keeps refusing the URL ({exc})") from None
            url, refreshed = _fresh(t.remote, refresh, str(exc)).url, True
        except (_Retry, httpx.TransportError) as exc:
            failures = 1 if t.have > before else failures + 1
            if failures > opts["retries"]:
                raise Unavailable(
                    PROVIDER,
                    f"download of {t.remote.filename} kept failing: {exc or type(exc).__name__}",
                    hint="the partial file is kept; retry the job to resume",
                ) from None
            wait = getattr(exc, "retry_after", None) or opts["backoff"] * 2 ** (failures - 1)
            _sleep(min(wait, opts["max_backoff"]), t.control)


def _verify(t: _Transfer) -> None:
    """Size and the Hub's hash (sha256, or git sha1 for a non-LFS file) must match first."""
    kind, want = partfile.expected_digest(t.remote)
    got = t.hasher.hexdigest() if want else None
    if t.have != t.remote.size or got != want:
        t.part.discard()
        says = f"{kind} {want}" if want else f"{t.remote.size} bytes"
        raise ProviderError(
            PROVIDER,
            f"{kind} mismatch for {t.remote.filename}: got {got or t.have}, the Hub says {says} "
            f"({t.have} of {t.remote.size} bytes); the partial file was deleted",
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
    meter: Meter | Offset | None = None,
) -> Path:
    """Download `remote` to dest_dir/<filename>, resuming a matching part; returns the path."""
    dest = target_path(dest_dir, remote.filename)
    meter = meter or Meter(control, remote.size)
    if _already_there(dest, remote):
        meter.update(remote.size, force=True, message=f"{remote.filename} already downloaded")
        return dest
    part = PartFile(dest)
    t = _Transfer(part, remote, control, meter)
    meter.rebase(t.have)
    meter.update(t.have, force=True, message=_start_message(remote, t.have))
    opts = {"retries": retries, "backoff": backoff, "max_backoff": max_backoff, "timeout": timeout}
    try:
        _run(t, client, refresh, opts)
    except Cancelled:
        part.discard()
        raise
    except BaseException:  # Paused, errors: keep part + sidecar for the next run
        part.close()
        raise
    _verify(t)
    path = part.commit(fsync=fsync)
    meter.update(remote.size, force=True, message=f"{remote.filename} verified")
    return path


def _start_message(remote: RemoteFile, have: int) -> str:
    if have:
        return f"resuming {remote.filename} at {have} of {remote.size} bytes"
    return f"downloading {remote.filename}"
