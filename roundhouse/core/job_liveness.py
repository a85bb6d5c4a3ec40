"""Running jobs' heartbeats, and what the watchdog reads and clears to find the lost ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from roundhouse.core.job_types import Limits
from roundhouse.core.models import now

if TYPE_CHECKING:
    import redis

    from roundhouse.core.keys import Keys


class Beat(NamedTuple):
    """What a heartbeat learnt: the stop asked for ('cancel', 'pause', 'superseded': the job
    was given to another attempt) and whether the job still says its host was unreachable."""

    stop: str | None
    unreachable: bool


class JobLiveness:
    """Mixed into JobStore, which provides the Redis client, key names and limits."""

    r: redis.Redis
    keys: Keys
    limits: Limits

    def beat(self, job_id: str, run: str) -> Beat:
        """A running attempt says it is alive, and hears in the same round trip whether the
        job is still its own to run (`run` is its claim's token) and what the user asked."""
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(self.keys.running, {job_id: now()}, xx=True)
        pipe.hmget(self.keys.job(job_id), "cancel", "run", "unreachable_since")
        _, (stop, token, unreachable) = pipe.execute()
        if token is not None and token != run:
            return Beat("superseded", False)
        return Beat(stop or None, bool(unreachable))

    def stale(self, older_than_s: float) -> list[str]:
        """Running jobs whose last heartbeat is older than `older_than_s`."""
        return self.r.zrangebyscore(self.keys.running, "-inf", now() - older_than_s)

    def unmark_running(self, job_id: str) -> None:
        """Take a job that is gone or no longer running off the heartbeat watch list."""
        self.r.zrem(self.keys.running, job_id)

    def take_sweep_turn(self, holder: str, ttl_ms: int) -> bool:
        """One watchdog sweep per interval cluster-wide: True for the one that got the turn."""
        return bool(self.r.set(self.keys.watchdog_lock, holder, nx=True, px=ttl_ms))

    def prune(self) -> int:
        """Drop index entries of jobs past retention (their hashes have expired)."""
        cutoff = now() - self.limits.retention_s
        return self.r.zremrangebyscore(self.keys.jobs, "-inf", cutoff)
