"""Reading jobs and their liveness: the half of the job store that changes nothing but indexes."""

from __future__ import annotations

import builtins  # JobReads.list shadows the builtin inside the class
from typing import TYPE_CHECKING

from roundhouse.core.errors import InvalidRequest, NotFound
from roundhouse.core.job_types import Job
from roundhouse.core.models import ACTIVE, JobState, decode_job, now

if TYPE_CHECKING:
    import redis

    from roundhouse.core.jobs import Limits
    from roundhouse.core.keys import Keys


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

    def stop_request(self, job_id: str) -> str | None:
        """'cancel', 'pause' or None: what the user asked a running job to do."""
        return self.r.hget(self.keys.job(job_id), "cancel") or None

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
        entries = self.r.xrange(self.keys.job_events(job_id), f"(0-{after_seq}", "+", count)
        return [fields["e"] for _, fields in entries]

    # -- liveness ---------------------------------------------------------------------------
    def heartbeat(self, job_ids: builtins.list[str]) -> None:
        if job_ids:
            ts = now()
            self.r.zadd(self.keys.running, {job_id: ts for job_id in job_ids}, xx=True)

    def stale(self, older_than_s: float) -> builtins.list[str]:
        return self.r.zrangebyscore(self.keys.running, "-inf", now() - older_than_s)

    def prune(self) -> int:
        """Drop index entries of jobs past retention (their hashes have expired)."""
        cutoff = now() - self.limits.retention_s
        return self.r.zremrangebyscore(self.keys.jobs, "-inf", cutoff)

    def is_active(self, job: Job) -> bool:
        return job["state"] in ACTIVE
