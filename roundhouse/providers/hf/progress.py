"""Throttled byte progress for a job: done/total with speed and ETA, at most every 250 ms."""

from __future__ import annotations

import time
from collections.abc import Callable

from roundhouse.providers.base import Control

INTERVAL = 0.25


class Meter:
    """Turns a stream of byte counts into control.report calls, cheap enough to call per chunk."""

    def __init__(
        self,
        control: Control,
        total: int,
        *,
        stage: str = "download",
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.control, self.total, self.stage = control, total, stage
        self.interval, self.clock = interval, clock
        self.done = 0
        self.speed: float | None = None
        self._last_t = clock()
        self._last_done: int | None = None
        self.message: str | None = None

    def update(self, done: int, *, force: bool = False, message: str | None = None) -> None:
        """Record `done` bytes; report if the interval passed (or when forced)."""
        self.done = done
        if message:
            self.message = message
        now = self.clock()
        if not force and now - self._last_t < self.interval:
            return
        self._measure(now, done)
        self.control.report(
            stage=self.stage,
            done=done,
            total=self.total,
            progress=(done / self.total) if self.total else None,
            speed=round(self.speed) if self.speed is not None else None,
            eta=self.eta,
            message=self.message,
        )

    def _measure(self, now: float, done: int) -> None:
        """Bytes/s over the last interval, smoothed; resumed bytes never count as speed."""
        dt = now - self._last_t
        if self._last_done is not None and dt > 0 and done >= self._last_done:
            rate = (done - self._last_done) / dt
            self.speed = rate if self.speed is None else 0.7 * rate + 0.3 * self.speed
        self._last_t, self._last_done = now, done

    def rebase(self, done: int) -> None:
        """Bytes appeared without transfer (resume, restart): reset the speed baseline."""
        self._last_done = done
        self.done = done

    @property
    def eta(self) -> float | None:
        if not self.speed or not self.total:
            return None
        return round(max(0, self.total - self.done) / self.speed, 1)


class Offset:
    """A view of a parent Meter for one of several files: adds the bytes of finished files."""

    def __init__(self, parent: Meter, base: int) -> None:
        self.parent, self.base = parent, base

    def update(self, done: int, *, force: bool = False, message: str | None = None) -> None:
        self.parent.update(self.base + done, force=force, message=message)

    def rebase(self, done: int) -> None:
        self.parent.rebase(self.base + done)
