"""The seam between provider code and the job system: a control a running job is handed.

Provider code reports progress and checks for a stop request through it; it never sees
Redis, Celery or Flask. Tests pass a small recording fake (tests/fakes/control.py).
"""

from __future__ import annotations

from typing import Any, Protocol


class Control(Protocol):
    """What a running job offers the code doing its work."""

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
        """Record progress; throttled by the job system, so call as often as is natural."""

    def check(self) -> None:
        """Raise core.errors.Cancelled or Paused if the user asked this job to stop."""

    def event(self, type_: str, **data: Any) -> None:
        """Send a one-off, never-throttled event (a beam-search candidate, a stage note)."""
