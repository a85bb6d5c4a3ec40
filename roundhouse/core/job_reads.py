"""Reading jobs and who owns an artifact: the part of the job store that changes nothing."""

from __future__ import annotations

import builtins  # JobReads.list shadows the builtin inside the class
from typing import TYPE_CHECKING

from roundhouse.core.errors import InvalidRequest, NotFound
from roundhouse.core.job_types import Job, Limits
from roundhouse.core.models import ACTIVE, JobState, decode_job

if TYPE_CHECKING:
    import redis

    from roundhouse.core.keys import Keys

#: Jobs read per round trip by `recent`: the watchdog reads 500 each sweep, and packing and
#: parsing them in one pipeline held a gevent API process for ~10 ms, every request with it.
RECENT_CHUNK = 50


class JobReads:
    """Mixed into JobStore, which provides the Redis client, key names and limits."""

    r: redis.Redis
    keys: Keys
    limits: Limits

    def get(self, job_id: str) -> Job:
        raw = self.r.hgetall(self.keys.job(job_id))
        if not raw:
            raise NotFound(
                f"No job with id {job_id!r}.",
                hint="List jobs with GET /api/jobs; finished jobs are kept for "
                f"{self.limits.retention_s // 86400} days.",
            )
        return decode_job(raw)

    def list(
        self, *, state: str | None = None, kind: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[Job], int | None]:
        """Newest first; returns the page and the offset of the next page (None at the end)."""
        if state and state not in {s.value for s in JobState}:
            raise InvalidRequest(
                f"Unknown state {state!r}.",
                hint="Use one of: " + ", ".join(s.value for s in JobState),
            )
        found: list[Job] = []
        position, batch = offset, max(limit * 2, 50)
        while len(found) < limit:
            ids = self.r.zrevrange(self.keys.jobs, position, position + batch - 1)
            if not ids:
                return found, None
            for job_id, job in zip(ids, self._many(ids), strict=True):
                position += 1
                if job is None:
                    self.r.zrem(self.keys.jobs, job_id)  # expired by retention
                    continue
                if (state is None or job["state"] == state) and (
                    kind is None or job["kind"] == kind
                ):
                    found.append(job)
                    if len(found) == limit:
                        break
        return found, position

    def _many(self, ids: builtins.list[str]) -> builtins.list[Job | None]:
        pipe = self.r.pipeline(transaction=False)
        for job_id in ids:
            pipe.hgetall(self.keys.job(job_id))
        return [decode_job(raw) if raw else None for raw in pipe.execute()]

    def events(self, job_id: str, after_seq: int = 0, count: int = 5000) -> builtins.list[str]:
        """The job's events after `after_seq`, as the JSON strings the relay sends."""
        return [event for _, event in self.numbered_events(job_id, after_seq, count)]

    def numbered_events(
        self, job_id: str, after_seq: int = 0, count: int = 5000
    ) -> builtins.list[tuple[int, str]]:
        """(seq, event JSON) of the job's events after `after_seq` (entry ids are `0-<seq>`)."""
        entries = self.r.xrange(self.keys.job_events(job_id), f"(0-{after_seq}", "+", count)
        return [(int(eid.partition("-")[2]), fields["e"]) for eid, fields in entries]

    # -- dedup ------------------------------------------------------------------------------
    def owner(self, dedup: str) -> str | None:
        """The id of the job that took the artifact `dedup` (it may have ended since)."""
        return self.r.get(self.keys.dedup(dedup)) or None

    def live_owner(self, dedup: str) -> Job | None:
        """The queued, running or paused job owning the artifact `dedup`, if any."""
        job_id = self.owner(dedup)
        if not job_id:
            return None
        try:
            job = self.get(job_id)
        except NotFound:
            return None
        return job if job["state"] in ACTIVE else None

    def owners(self, dedups: builtins.list[str]) -> builtins.list[str | None]:
        """`owner` of each, in one round trip."""
        pipe = self.r.pipeline(transaction=False)
        for dedup in dedups:
            pipe.get(self.keys.dedup(dedup))
        return [found or None for found in pipe.execute()]

    def recent(self, count: int, *fields: str) -> builtins.list[tuple[str, builtins.list[str]]]:
        """The newest `count` jobs' ids with the raw values of `fields` (cheap: no decoding)."""
        ids = self.r.zrevrange(self.keys.jobs, 0, count - 1)
        rows: builtins.list[builtins.list[str]] = []
        for start in range(0, len(ids), RECENT_CHUNK):
            pipe = self.r.pipeline(transaction=False)
            for job_id in ids[start : start + RECENT_CHUNK]:
                pipe.hmget(self.keys.job(job_id), *fields)
            rows += pipe.execute()
        return list(zip(ids, rows, strict=True))
