"""Coalescing for watchers of every job: at most one progress frame per job per interval.

A held progress frame is replaced by a later one (the latest state wins) and goes out when
its job's interval ends. Every other event (created, a state change, a one-off event, the
final state) goes out at once and drops the job's held progress, which is older: a late
frame never overwrites a newer state. Followers of single jobs are not coalesced.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: How job progress events are spelled by core/scripts.py (compact JSON).
PROGRESS = '"event":"progress"'
INTERVAL_S = 0.1
PRUNE_AT = 2000


class Coalescer:
    """Decides, per feed entry, whether it goes out now; holds the rest until due."""

    def __init__(
        self, interval: float = INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval, self.clock = interval, clock
        self.held: dict[str, str] = {}
        self.next_ok: dict[str, float] = {}

    def offer(self, job_id: str, event: str, now: float) -> bool:
        """True: send `event` now. False: it is held (the job sent progress < interval ago)."""
        if not job_id:
            return True
        if PROGRESS not in event:
            self.held.pop(job_id, None)
            return True
        if now >= self.next_ok.get(job_id, 0.0):
            self.next_ok[job_id] = now + self.interval
            self.held.pop(job_id, None)
            return True
        self.held[job_id] = event
        return False

    def due(self, now: float) -> list[str]:
        """Held frames whose interval has ended (each restarts its job's interval)."""
        out = []
        for job_id in [j for j in self.held if self.next_ok[j] <= now]:
            out.append(self.held.pop(job_id))
            self.next_ok[job_id] = now + self.interval
        if len(self.next_ok) > PRUNE_AT:
            self.next_ok = {j: t for j, t in self.next_ok.items() if t > now or j in self.held}
        return out

    def wait(self, now: float, timeout: float) -> float:
        """How long the caller may block before a held frame falls due."""
        if not self.held:
            return timeout
        return max(0.0, min(timeout, min(self.next_ok[j] for j in self.held) - now))
