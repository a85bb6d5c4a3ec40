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
from roundhouse.core.scripts import ScriptCall

# KEYS[1] the pool's slots   KEYS[2] its waiting line   KEYS[3] the running set
# KEYS[4..] the job hashes of ARGV[7..], in the same order
# ARGV[1] job id   ARGV[2] limit   ARGV[3] now   ARGV[4] stale_after_s
# ARGV[5] mode: 'grant' (take a free slot) or 'peek' (only join the line)
# ARGV[6] head: waiters looked at one by one from the front (leavers dropped); behind them a
#   place is counted by rank, so joining a long line costs O(head + log n), not every waiter
# ARGV[7..] the holders and the first `head` waiters, as read just before the call
# Returns 0 when `id` holds (or, mode "grant", now took) a slot, else its 1-based place in line.
# A holder or waiter that is not among ARGV[7..] came in after that read: it is taken as live
# (it just took its slot, or just joined) without reading its hash, so the call never has to be
# repeated: under 200 joins a second a "read again" answer came back on nearly every call.
ACQUIRE = """
local id, limit, t = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local stale, mode, head = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local job = {}
for i = 7, #ARGV do job[ARGV[i]] = KEYS[i - 3] end
local holding = redis.call('ZRANGE', KEYS[1], 0, -1)
local function live(j)
  if not job[j] then return true end
  if redis.call('HGET', job[j], 'state') ~= 'running' then return false end
  local beat = redis.call('ZSCORE', KEYS[3], j)
  return beat and tonumber(beat) >= t - stale
end
for _, j in ipairs(holding) do
  if j ~= id and not live(j) then redis.call('ZREM', KEYS[1], j) end
end
if redis.call('ZSCORE', KEYS[1], id) then return 0 end
redis.call('ZADD', KEYS[2], 'NX', t, id)
local rank = redis.call('ZRANK', KEYS[2], id)
local ahead, front = math.max(0, rank - head), {}
if rank > 0 then front = redis.call('ZRANGE', KEYS[2], 0, math.min(rank, head) - 1) end
for _, j in ipairs(front) do
  local st = job[j] and redis.call('HGET', job[j], 'state') or 'queued'
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


# KEYS[1] the pool's slots   KEYS[2] its waiting line
# KEYS[3] (optional) the job's hash: when it does not exist, nothing is done (-1)
# ARGV[1] job id   ARGV[2] limit   ARGV[3] now
# Returns 0 when `id` holds a slot or one is free for it, else its 1-based place in line,
# counting every holder and waiter as live: no other job's hash is read (the next full look
# drops a leaver; a worker looks before it claims).
JOIN = """
local id, limit = ARGV[1], tonumber(ARGV[2])
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
if redis.call('ZSCORE', KEYS[1], id) then return 0 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], id)
local rank = redis.call('ZRANK', KEYS[2], id)
local free = limit - redis.call('ZCARD', KEYS[1])
if rank < free then return 0 end
return rank - math.max(free, 0) + 1
"""


#: Waiters checked one by one from the front of the line on each look (see ACQUIRE). Each one
#: travels as a key and an id: at 64, packing them was ~6 % of a download POST's CPU. Leavers
#: further back are dropped as the line moves up, 16 a look.
HEAD = 16


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
        self._join = r.register_script(JOIN)

    def _run(self, job_id: str, mode: str) -> int:
        """ACQUIRE with every job hash it reads in KEYS: the front of the line is read first;
        jobs that came in after that read are taken as live (see ACQUIRE)."""
        others = [j for j in dict.fromkeys(self.front()) if j != job_id]
        return self.acquire_script(
            slots=self.keys.slots(self.pool),
            waiting=self.keys.waiting(self.pool),
            running=self.keys.running,
            others={j: self.keys.job(j) for j in others},
            job_id=job_id,
            at=repr(time.time()),  # full precision: arrival order decides who is first in line
            mode=mode,
        )

    def acquire_script(
        self,
        *,
        slots: str,
        waiting: str,
        running: str,
        others: dict[str, str],
        job_id: str,
        at: str,
        mode: str,
    ) -> int:
        """One call of ACQUIRE (see its legend); `others` maps each job id to its hash's key."""
        keys = [slots, waiting, running, *others.values()]
        args = [job_id, self.limit, at, self.stale_after_s, mode, HEAD, *others]
        return int(self._acquire(keys=keys, args=args))

    def front(self) -> list[str]:
        """The holders, then the first HEAD waiters: every job ACQUIRE may look at."""
        pipe = self.r.pipeline(transaction=False)
        pipe.zrange(self.keys.slots(self.pool), 0, -1)
        pipe.zrange(self.keys.waiting(self.pool), 0, HEAD - 1)
        holders, waiters = pipe.execute()
        return [*holders, *waiters]

    def acquire(self, job_id: str) -> int:
        """Take a slot for a running job: 0 when it holds one, else its place in line."""
        return self._run(job_id, "grant")

    def place(self, job_id: str) -> int:
        """Join the line without taking a slot: 0 when a slot is free for it, else its place."""
        return self._run(job_id, "peek")

    def join(self, job_id: str) -> int:
        """A new job joins the line in one round trip: 0 when a slot is free for it, else its
        place, counting everyone in line as live (see JOIN). The API's answer to a POST; the
        worker's look before it claims (`place`) is the exact one and corrects it."""
        call = self.join_call(job_id)
        return int(call.script(keys=call.keys, args=call.args))

    def join_call(self, job_id: str, job_key: str | None = None) -> ScriptCall:
        """One call of JOIN (see its legend). With `job_key` it joins only if that hash exists:
        run right after the job's CREATE in one round trip (JobWrites.create_in_line)."""
        keys = [self.keys.slots(self.pool), self.keys.waiting(self.pool)]
        args = [job_id, self.limit, repr(time.time())]  # full precision: arrival order counts
        return ScriptCall(self._join, keys=[*keys, *([job_key] if job_key else [])], args=args)

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
