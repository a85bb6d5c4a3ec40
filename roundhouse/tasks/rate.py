"""Speed and ETA from a sliding window, so one slow second does not swing the estimate."""

from __future__ import annotations

import time
from collections import deque


class RateMeter:
    """Bytes per second over the last `window_s` seconds of (time, done) samples."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, done: int, at: float | None = None) -> None:
        at = time.monotonic() if at is None else at
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a new stage or file restarted the count
        self._samples.append((at, done))
        while len(self._samples) > 2 and at - self._samples[0][0] > self.window_s:
            self._samples.popleft()

    def speed(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 - t0 >= 0.3 else None

    def eta(self, total: int | None) -> float | None:
        speed = self.speed()
        if not total or not speed or speed <= 0 or not self._samples:
            return None
        return max(0.0, (total - self._samples[-1][1]) / speed)
