"""Coalescing for watchers of every job: at most one progress frame per job per interval.

Spacing is measured on the events' write times (the feed id's milliseconds, Redis's clock), so
events a worker wrote 100 ms apart always go out at once, whatever the delivery jitter. A
progress event written sooner is held (a later one replaces it: the latest state wins) and
goes out when its job's interval has passed, timed on this process's clock from the gap left.
Every other event (created, a state change, a one-off event, the final state) goes out at once
and drops the job's held progress, which is older: a late frame never overwrites a newer state.
Followers of single jobs are not coalesced.
"""

from __future__ import annotations

from roundhouse.core.feed import Entry

PROGRESS = "progress"
INTERVAL_MS = 100
PRUNE_AT = 2000


def fid_ms(fid: str) -> int:
    """The write time of a feed entry (its id's milliseconds part)."""
    return int(fid.partition("-")[0])


class Coalescer:
    """Decides, per feed entry, whether it goes out now; holds the rest until due."""

    def __init__(self, interval_ms: int = INTERVAL_MS) -> None:
        self.interval = interval_ms
        self.last: dict[str, int] = {}  # job id -> write time (ms) of its last progress sent
        self.held: dict[str, tuple[str, int, float]] = {}  # job id -> (event, written, due at)

    def offer(self, entry: Entry, now: float) -> bool:
        """True: send the entry's event now. False: held until due (timed from its write)."""
        job_id, event, written = entry.job, entry.event, fid_ms(entry.fid)
        if not job_id:
            return True
        if entry.name != PROGRESS:
            self.held.pop(job_id, None)
            return True
        last = self.last.get(job_id)
        if last is None or written - last >= self.interval:
            if last is None and len(self.last) > PRUNE_AT:
                self._prune()
            self.last[job_id] = written
            self.held.pop(job_id, None)
            return True
        earlier = self.held.get(job_id)
        due = earlier[2] if earlier else now + (last + self.interval - written) / 1000
        self.held[job_id] = (event, written, due)
        return False

    def due(self, now: float) -> list[str]:
        """Held frames whose interval has passed (each becomes its job's last sent)."""
        out = []
        for job_id in [j for j, h in self.held.items() if h[2] <= now]:
            event, written, _ = self.held.pop(job_id)
            self.last[job_id] = written
            out.append(event)
        return out

    def _prune(self) -> None:
        """Forget jobs quiet for ten intervals (their next progress goes out at once anyway)."""
        newest = max(self.last.values())
        self.last = {j: t for j, t in self.last.items() if newest - t < 10 * self.interval}

    def wait(self, now: float, timeout: float | None) -> float | None:
        """How long the caller may block before a held frame falls due (None: no limit)."""
        if not self.held:
            return timeout
        due = min(h[2] for h in self.held.values()) - now
        return max(0.0, due if timeout is None else min(timeout, due))
