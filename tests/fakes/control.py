"""RecordingControl: the Control a job hands provider code, as a small fake that remembers.

It records every report and event, counts checks, and raises Cancelled/Paused when told to:
after N checks, on demand from another thread (`cancel()`, `pause()`), or when a report
matches a condition (`stop_when`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from roundhouse.core.errors import Cancelled, JobStopped, Paused


class RecordingControl:
    """Implements roundhouse.providers.base.Control; thread-safe."""

    def __init__(
        self,
        *,
        cancel_after_checks: int | None = None,
        pause_after_checks: int | None = None,
        stop_when: Callable[[dict[str, Any]], type[JobStopped] | None] | None = None,
    ) -> None:
        self.reports: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.checks = 0
        self._cancel_after = cancel_after_checks
        self._pause_after = pause_after_checks
        self._stop_when = stop_when
        self._pending: type[JobStopped] | None = None
        self._lock = threading.Lock()
        self.stopped = threading.Event()  # set when check() raised

    # -- the Control protocol ------------------------------------------------------------------

    def report(
        self,
        *,
        stage: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        progress: float | None = None,
        **extra: Any,
    ) -> None:
        entry = {"stage": stage, "done": done, "total": total, "message": message}
        entry.update(progress=progress, **extra)
        with self._lock:
            self.reports.append(entry)
            if self._stop_when is not None and self._pending is None:
                self._pending = self._stop_when(entry)

    def check(self) -> None:
        with self._lock:
            self.checks += 1
            stop = self._due()
        if stop is not None:
            self.stopped.set()
            raise stop("stopped by RecordingControl")

    def event(self, type_: str, **data: Any) -> None:
        with self._lock:
            self.events.append((type_, data))

    # -- steering from tests -------------------------------------------------------------------

    def cancel(self) -> None:
        """The next check() raises Cancelled (safe to call from another thread)."""
        with self._lock:
            self._pending = Cancelled

    def pause(self) -> None:
        with self._lock:
            self._pending = Paused

    def _due(self) -> type[JobStopped] | None:
        if self._cancel_after is not None and self.checks > self._cancel_after:
            return Cancelled
        if self._pause_after is not None and self.checks > self._pause_after:
            return Paused
        return self._pending

    # -- reading back --------------------------------------------------------------------------

    @property
    def stages(self) -> list[str]:
        """Stages in the order first seen."""
        seen: list[str] = []
        for entry in self.reports:
            if entry["stage"] and entry["stage"] not in seen:
                seen.append(entry["stage"])
        return seen

    @property
    def done_values(self) -> list[int]:
        return [entry["done"] for entry in self.reports if entry["done"] is not None]

    @property
    def last(self) -> dict[str, Any]:
        return self.reports[-1] if self.reports else {}
