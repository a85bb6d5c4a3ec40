"""Clearing finished jobs: their records, events and index entries go; live jobs stay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roundhouse.core.models import TERMINAL

if TYPE_CHECKING:
    import redis

    from roundhouse.core.keys import Keys

_TERMINAL = {s.value for s in TERMINAL}
_BATCH = 500


class JobPurge:
    """Mixed into JobStore, which provides the Redis client and key names."""

    r: redis.Redis
    keys: Keys

    def clear_finished(self, older_than: float | None = None) -> list[str]:
        """Delete every succeeded, failed or cancelled job (finished before `older_than`, a
        Unix time, when given); returns their ids. A job still active is never touched."""
        cleared: list[str] = []
        position = 0
        while True:
            ids = self.r.zrange(self.keys.jobs, position, position + _BATCH - 1)
            if not ids:
                return cleared
            position += len(ids)
            pipe = self.r.pipeline(transaction=False)
            for job_id in ids:
                pipe.hmget(self.keys.job(job_id), ["state", "finished_at"])
            done = [
                i
                for i, row in zip(ids, pipe.execute(), strict=True)
                if self._finished(row, older_than)
            ]
            self._purge(done)
            position -= len(done)
            cleared += done

    @staticmethod
    def _finished(row: list[Any], older_than: float | None) -> bool:
        state, finished_at = row
        if state not in _TERMINAL:
            return False
        return older_than is None or float(finished_at or 0) < older_than

    def forget(self, job_id: str) -> None:
        """One job's record, events and index entry go, whatever its state (media retention)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.delete(self.keys.job(job_id), self.keys.job_events(job_id))
        pipe.zrem(self.keys.jobs, job_id)
        pipe.execute()

    def _purge(self, ids: list[str]) -> None:
        if not ids:
            return
        pipe = self.r.pipeline(transaction=False)
        for job_id in ids:
            pipe.delete(self.keys.job(job_id), self.keys.job_events(job_id))
        pipe.zrem(self.keys.jobs, *ids)
        pipe.zrem(self.keys.running, *ids)
        pipe.execute()
