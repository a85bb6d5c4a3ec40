"""The one retry policy: exponential backoff with jitter, capped, and a server's `Retry-After`
(seconds or an HTTP date) taking precedence. Jitter keeps many clients that failed together
(a restarted API, a busy CDN) from all coming back in the same instant."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Backoff:
    """How long to wait before the next try; `failures` counts from 1."""

    base_s: float = 0.5
    max_s: float = 4.0
    jitter: float = 0.5  # up to this share of each wait is taken off at random

    def delay(
        self,
        failures: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """The wait before try `failures + 1`: the server's word if it gave one, capped."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_s)
        full = min(self.base_s * 2 ** max(failures - 1, 0), self.max_s)
        return full * (1 - self.jitter * rand())


def retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds a `Retry-After` header asks for: delay-seconds or an HTTP date; None if absent
    or unreadable. A date in the past means now (0)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        return None
    return max(when.timestamp() - now(), 0.0)
