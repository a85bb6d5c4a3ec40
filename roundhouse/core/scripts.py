"""Lua run inside Redis so a state change, its event and its indexes land atomically.

One script call replaces a MULTI (docs/architecture.md, "Redis keys"): it also allocates the
job's `seq`, which a MULTI could not hand back, and checks the state it is allowed to change
from. The per-job stream's entry ids are `0-<seq>`, so a client's last seq is directly an
XRANGE cursor. Every key a script touches is passed in KEYS (never built from ARGV), so the
scripts say up front what they touch; each has one Python function with named arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

# KEYS[1] the new job's hash   KEYS[2] its event stream   KEYS[3] the feed
# KEYS[4] the jobs index
# KEYS[5], KEYS[6] (only with dedup) the dedup key, and the job hash of the owner read from
#   it before the call (the new job's own hash when there was none)
# ARGV[1] job id   ARGV[2] the owner read before ('' none)   ARGV[3] events kept per job
# ARGV[4] feed length   ARGV[5] event JSON without seq   ARGV[6] creation time
# ARGV[7..] field, value, field, value ...
# Returns {1, id, feed id} (created), {0, owner, ''} (a live owner), or {-1, owner, ''} when
# the dedup key names another owner than ARGV[2]: read it again and retry.
CREATE = """
local id, seen = ARGV[1], ARGV[2]
if KEYS[5] then
  local owner = redis.call('GET', KEYS[5])
  if owner then
    if owner ~= seen then return {-1, owner, ''} end
    local st = redis.call('HGET', KEYS[6], 'state')
    if st == 'queued' or st == 'running' or st == 'paused' then
      return {0, owner, ''}
    end
  end
  redis.call('SET', KEYS[5], id)
end
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local evt = '{"seq":' .. seq .. ',' .. string.sub(ARGV[5], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '0-' .. seq, 'e', evt)
local fid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*',
  'j', id, 's', seq, 'k', 'created', 'e', evt)
redis.call('ZADD', KEYS[4], ARGV[6], id)
return {1, id, fid}
"""

# KEYS[1] the job's hash   KEYS[2] its event stream   KEYS[3] the feed
# KEYS[4] the running set
# KEYS[5] (optional, terminal mode) the dedup key to release if this job still owns it
# ARGV[1] allowed states before, comma-separated ('' any)   ARGV[2] events kept per job
# ARGV[3] feed length   ARGV[4] event JSON without seq   ARGV[5] job id
# ARGV[6] mode: '' | 'running' (into the running set) | 'idle' (out of it) | 'terminal'
# ARGV[7] now   ARGV[8] retention seconds (terminal)   ARGV[9] event name for the feed entry
# ARGV[10] the claim's run token ('' no check)   ARGV[11..] field, value, field, value ...
# Returns {seq, feed id, state before}, or false when the job is gone or not changeable.
EMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local before = redis.call('HGET', KEYS[1], 'state') or ''
if ARGV[10] ~= '' and redis.call('HGET', KEYS[1], 'run') ~= ARGV[10] then return false end
if ARGV[1] ~= '' then
  local ok = false
  for s in string.gmatch(ARGV[1], '[^,]+') do if s == before then ok = true end end
  if not ok then return false end
end
for i = 11, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local evt = '{"seq":' .. seq .. ',' .. string.sub(ARGV[4], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-' .. seq, 'e', evt)
local fid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*',
  'j', ARGV[5], 's', seq, 'k', ARGV[9], 'e', evt)
local mode = ARGV[6]
if mode == 'running' then
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[5])
elseif mode == 'idle' or mode == 'terminal' then
  redis.call('ZREM', KEYS[4], ARGV[5])
end
if mode == 'terminal' then
  if KEYS[5] and redis.call('GET', KEYS[5]) == ARGV[5] then redis.call('DEL', KEYS[5]) end
  redis.call('EXPIRE', KEYS[1], ARGV[8])
  redis.call('EXPIRE', KEYS[2], ARGV[8])
end
return {seq, fid, before}
"""


@dataclass(frozen=True)
class Created:
    """What CREATE answered: made (1), a live owner's id (0), or the owner changed (-1)."""

    outcome: int
    job_id: str


@dataclass(frozen=True)
class ScriptCall:
    """A script call to run right after CREATE in the same round trip (JobScripts.create)."""

    script: Script
    keys: list[str]
    args: list[Any]


def run_in_one_trip(r: redis.Redis, calls: Sequence[ScriptCall]) -> list[Any]:
    """The calls' answers, in order, from one pipeline (no MULTI: each runs on its own).

    EVALSHA directly: redis-py's pipelined scripts cost a SCRIPT EXISTS round trip first. A
    call whose script Redis does not know (restarted, cache flushed) did nothing: its script
    is loaded and that call alone is sent again (the others ran and must not run twice).
    """
    answers = _send(r, calls)
    missing = [i for i, a in enumerate(answers) if isinstance(a, NoScriptError)]
    if missing:
        for i in missing:
            calls[i].script.sha = r.script_load(calls[i].script.script)
        for i, answer in zip(missing, _send(r, [calls[i] for i in missing]), strict=True):
            answers[i] = answer
    for answer in answers:
        if isinstance(answer, Exception):
            raise answer
    return answers


def _send(r: redis.Redis, calls: Sequence[ScriptCall]) -> list[Any]:
    pipe = r.pipeline(transaction=False)
    for call in calls:
        pipe.evalsha(call.script.sha, len(call.keys), *call.keys, *call.args)
    return pipe.execute(raise_on_error=False)


class JobScripts:
    """The job store's scripts, registered once on a client, called with named arguments."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r
        self._create = r.register_script(CREATE)
        self._emit = r.register_script(EMIT)

    def create(
        self,
        *,
        job: str,
        events: str,
        feed: str,
        jobs: str,
        dedup: str | None,
        owner_job: str,
        job_id: str,
        owner_seen: str,
        events_max: int,
        feed_max: int,
        event: str,
        created_at: float,
        fields: Sequence[str],
        then: ScriptCall | None = None,
    ) -> tuple[Created, Any]:
        """Make the job unless `dedup` names a live owner (see the legend of CREATE); `then`
        runs right after it in the same round trip, and its answer comes back second."""
        call = ScriptCall(
            self._create,
            keys=[job, events, feed, jobs, *([dedup, owner_job] if dedup else [])],
            args=[job_id, owner_seen, events_max, feed_max, event, created_at, *fields],
        )
        if then is None:
            (outcome, found, _), after = self._create(keys=call.keys, args=call.args), None
        else:
            (outcome, found, _), after = run_in_one_trip(self.r, [call, then])
        return Created(int(outcome), found), after

    def emit(
        self,
        *,
        job: str,
        events: str,
        feed: str,
        running: str,
        dedup: str | None,
        job_id: str,
        allowed: Sequence[str],
        events_max: int,
        feed_max: int,
        event: str,
        event_name: str,
        mode: str,
        at: float,
        retention_s: int,
        run: str,
        fields: Sequence[str],
    ) -> int | None:
        """Change the job and append its event (see the legend of EMIT); its seq, or None."""
        keys = [job, events, feed, running, *([dedup] if dedup else [])]
        out = self._emit(
            keys=keys,
            args=[
                ",".join(allowed),
                events_max,
                feed_max,
                event,
                job_id,
                mode,
                at,
                retention_s,
                event_name,
                run,
                *fields,
            ],
        )
        return int(out[0]) if out else None
