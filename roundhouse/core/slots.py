"""A limited pool of slots (e.g. pulls per Ollama host) with a first-come waiting line.

A slot is held by a job id in `slots:{pool}`; it counts only while that job is `running` and
its heartbeat is fresh, so a crashed worker's slot frees itself as soon as the heartbeat goes
stale (or the watchdog moves the job on) — there is nothing to leak. Waiters sit in
`waiting:{pool}` by arrival time; a waiter whose job is no longer queued or running (cancelled,
paused, expired) drops out of the line the next time anyone looks.
"""

from __future__ import annotations

import time

import redis

from roundhouse.core.keys import Keys

#: KEYS: slots, waiting, running; ARGV: job id, limit, now, job key prefix, stale_after_s, mode,
#: head. Returns 0 when `id` holds (or, mode "grant", now took) a slot, else its 1-based place.
#: The first `head` waiters are looked at one by one (leavers dropped); behind them a place is
#: counted by rank, so joining a long line costs O(head + log n), not a look at every waiter.
ACQUIRE = """
local id, limit, t = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local prefix, stale, mode, head = ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local function live(j)
  if redis.call('HGET', prefix .. j, 'state') ~= 'running' then return false end
  local beat = redis.call('ZSCORE', KEYS[3], j)
  return beat and tonumber(beat) >= t - stale
end
for _, j in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if j ~= id and not live(j) then redis.call('ZREM', KEYS[1], j) end
end
if redis.call('ZSCORE', KEYS[1], id) then return 0 end
redis.call('ZADD', KEYS[2], 'NX', t, id)
local rank = redis.call('ZRANK', KEYS[2], id)
local ahead, front = math.max(0, rank - head), {}
if rank > 0 then front = redis.call('ZRANGE', KEYS[2], 0, math.min(rank, head) - 1) end
for _, j in ipairs(front) do
  local st = redis.call('HGET', prefix .. j, 'state')
  if st == 'queued' or st == 'running' then
    ahead = ahead + 1
  else
    redis.call('ZREM', KEYS[2], j)
  end
end
local free = limit - redis.call('ZCARD', KEYS[1])
if ahead < free then
  if mode == 'grant' then
    redis.call('ZADD', KEYS[1], t, id)
    redis.call('ZREM', KEYS[2], id)
  end
  return 0
end
return ahead - math.max(free, 0) + 1
"""


#: Waiters checked one by one from the front of the line on each look (see ACQUIRE).
HEAD = 64


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st: how a place in line reads."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def waiting_message(place: int) -> str:
    return f"Waiting for a download slot ({ordinal(place)} in line)"


class Slots:
    """At most `limit` jobs of one pool run at once; the rest wait their turn."""

    def __init__(
        self, r: redis.Redis, keys: Keys, pool: str, limit: int, stale_after_s: float = 20.0
    ) -> None:
        self.r, self.keys, self.pool = r, keys, pool
        self.limit, self.stale_after_s = max(1, limit), stale_after_s
        self._acquire = r.register_script(ACQUIRE)

    def _run(self, job_id: str, mode: str) -> int:
        keys = [self.keys.slots(self.pool), self.keys.waiting(self.pool), self.keys.running]
        at = repr(time.time())  # full precision: arrival order decides who is first in line
        args = [job_id, self.limit, at, self.keys.job(""), self.stale_after_s, mode, HEAD]
        return int(self._acquire(keys=keys, args=args))

    def acquire(self, job_id: str) -> int:
        """Take a slot for a running job: 0 when it holds one, else its place in line."""
        return self._run(job_id, "grant")

    def place(self, job_id: str) -> int:
        """Join the line without taking a slot: 0 when a slot is free for it, else its place."""
        return self._run(job_id, "peek")

    def release(self, job_id: str) -> None:
        """Give the slot back and leave the line (safe to call however the job ended)."""
        pipe = self.r.pipeline(transaction=True)
        pipe.zrem(self.keys.slots(self.pool), job_id)
        pipe.zrem(self.keys.waiting(self.pool), job_id)
        pipe.execute()

    def holders(self) -> list[str]:
        return self.r.zrange(self.keys.slots(self.pool), 0, -1)

    def waiting(self) -> list[str]:
        return self.r.zrange(self.keys.waiting(self.pool), 0, -1)
