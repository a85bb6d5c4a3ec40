"""Disk reservations per host: bytes that running downloads will still write to that disk.

A preflight subtracts them from the free space, so two downloads started together cannot both
be told "it fits". Each reservation is tied to a job id in `keys.disk(host)`; the job releases
it however it ends, and a reservation whose job is no longer queued or running (a crashed
worker, a paused job) is dropped by the next read, so nothing leaks.
"""

from __future__ import annotations

import redis

from roundhouse.core.keys import Keys

LIVE_STATES = ("queued", "running")
GiB = 1 << 30


def floor_bytes(setting: int, total_bytes: int) -> int:
    """Free space a download must leave on its disk: the setting, or when it is negative
    (the default) the larger of 1 GiB and 5 % of the disk, so Redis and the logs keep room."""
    return setting if setting >= 0 else max(GiB, total_bytes // 20)


# KEYS[1] the host's reservations hash
# ARGV[1] job id   ARGV[2] bytes needed   ARGV[3] free bytes   ARGV[4] margin to leave
# Returns {1, reserved by others} when reserved, {0, reserved by others} when it does not fit.
_RESERVE = """
local held, others = redis.call('HGETALL', KEYS[1]), 0
for i = 1, #held, 2 do
  if held[i] ~= ARGV[1] then others = others + tonumber(held[i + 1]) end
end
local need, free, margin = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if need + margin > free - others then return {0, others} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, others}
"""


class DiskReservations:
    """Reserve, release and sum the bytes downloads on one host still need."""

    def __init__(self, r: redis.Redis, keys: Keys, host: str) -> None:
        self.r, self.keys, self.host = r, keys, host
        self.key = keys.disk(host)
        self._reserve = r.register_script(_RESERVE)

    def prune(self) -> dict[str, int]:
        """Drop reservations of jobs that are gone, finished or paused; returns the rest."""
        held = self.r.hgetall(self.key)
        if not held:
            return {}
        pipe = self.r.pipeline(transaction=False)
        for job_id in held:
            pipe.hget(self.keys.job(job_id), "state")
        states = pipe.execute()
        dead = [j for j, s in zip(held, states, strict=True) if s not in LIVE_STATES]
        if dead:
            self.r.hdel(self.key, *dead)
        return {j: int(n) for j, n in held.items() if j not in dead}

    def reserved(self, exclude: str | None = None) -> int:
        """Bytes reserved by live downloads on this host, other than `exclude`'s."""
        return sum(n for j, n in self.prune().items() if j != exclude)

    def try_reserve(self, job_id: str, nbytes: int, free: int, margin: int) -> tuple[bool, int]:
        """Atomically reserve `nbytes` if they fit; (reserved?, bytes reserved by others)."""
        self.prune()
        ok, others = self._reserve(
            keys=[self.key], args=[job_id, max(0, int(nbytes)), int(free), int(margin)]
        )
        return bool(ok), int(others)

    def release(self, job_id: str) -> None:
        self.r.hdel(self.key, job_id)

    def all(self) -> dict[str, int]:
        return self.prune()
