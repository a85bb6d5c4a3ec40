"""What a CDN answer means for a transfer: go on, retry later, get a fresh URL, or give up."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from roundhouse.core import backoff
from roundhouse.core.errors import ProviderError, Unavailable
from roundhouse.providers.base import Control
from roundhouse.providers.hf.errors import PROVIDER
from roundhouse.providers.hf.resolve import RemoteFile

RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
EXPIRED_STATUSES = {401, 403, 410}
Refresh = Callable[[RemoteFile], RemoteFile]


class Retry(Exception):
    """A transient failure: wait and try again from where we are."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Expired(Exception):
    """The CDN refused the signed URL: resolve again for a fresh one."""


def check_failure(r: Any, remote: RemoteFile) -> None:
    """Raise the right exception for a status that carries no bytes for us."""
    status = r.status_code
    if status in EXPIRED_STATUSES:
        raise Expired(f"HTTP {status}")
    if status in RETRY_STATUSES:
        raise Retry(f"HTTP {status}", retry_after(r))
    raise ProviderError(PROVIDER, f"CDN answered HTTP {status} for {remote.filename}")


def check_range(r: Any, start: int) -> None:
    """A 206 must start where we asked."""
    expected = f"bytes {start}-"
    if not r.headers.get("Content-Range", "").startswith(expected):
        raise ProviderError(PROVIDER, f"CDN answered the wrong range ({expected} wanted)")


def retry_after(r: Any) -> float | None:
    return backoff.retry_after(r.headers.get("Retry-After"))


def sleep(seconds: float, control: Control) -> None:
    """Back off in small slices so a cancel or pause is still seen quickly."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        control.check()
        time.sleep(min(left, 0.05))


def fresh(remote: RemoteFile, refresh: Refresh | None, why: str) -> RemoteFile:
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


class Budget:
    """Consecutive failures without progress; the count resets whenever bytes flowed."""

    def __init__(self, opts: dict) -> None:
        self.opts, self.failures = opts, 0

    def wait_for(self, exc: BaseException, progressed: bool, filename: str) -> float:
        """Seconds to back off before the next try, or Unavailable when out of retries."""
        self.failures = 1 if progressed else self.failures + 1
        if self.failures > self.opts["retries"]:
            raise Unavailable(
                PROVIDER,
                f"download of {filename} kept failing: {exc or type(exc).__name__}",
                hint="the partial file is kept; retry the job to resume",
            ) from None
        policy = backoff.Backoff(self.opts["backoff"], self.opts["max_backoff"])
        return policy.delay(self.failures, getattr(exc, "retry_after", None))
