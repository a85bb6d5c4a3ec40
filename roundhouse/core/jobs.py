"""The job store: the single source of truth for every job, its events and its indexes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import redis

from roundhouse.core import scripts
from roundhouse.core.errors import Conflict, InvalidRequest
from roundhouse.core.job_purge import JobPurge
from roundhouse.core.job_reads import JobReads
from roundhouse.core.job_types import Job
from roundhouse.core.keys import Keys
from roundhouse.core.metrics import Metrics
from roundhouse.core.models import (
    TERMINAL,
    JobState,
    encode_fields,
    job_event,
    now,
)

_STOP_ACTIONS = ("cancel", "pause")


@dataclass(frozen=True)
class Limits:
    job_events_max: int = 2000
    feed_max: int = 20000
    retention_s: int = 7 * 24 * 3600


def new_job_id() -> str:
    """Short enough to read in a log, random enough to never collide."""
    return uuid.uuid4().hex[:16]


class JobStore(JobReads, JobPurge):
    """Create, change and read jobs; every change is one atomic script with its event."""

    def __init__(self, r: redis.Redis, keys: Keys, limits: Limits = Limits()) -> None:
        self.r, self.keys, self.limits = r, keys, limits
        self._create = r.register_script(scripts.CREATE)
        self._emit = r.register_script(scripts.EMIT)

    # -- creating ---------------------------------------------------------------------------
    def create(
        self,
        kind: str,
        params: dict[str, Any],
        *,
        dedup: str | None = None,
        queue: str = "default",
        pausable: bool = False,
        message: str = "Queued",
        job_id: str | None = None,
    ) -> tuple[Job, bool]:
        """Make a queued job; with `dedup`, a live job owning that artifact is returned instead."""
        job_id = job_id or new_job_id()
        ts = now()
        job = {
            "id": job_id,
            "kind": kind,
            "state": JobState.QUEUED.value,
            "stage": "queued",
            "progress": 0.0,
            "done": None,
            "total": None,
            "speed": None,
            "eta": None,
            "message": message,
            "error": None,
            "hint": None,
            "params": params,
            "result": None,
            "host": None,
            "queue": queue,
            "pausable": pausable,
            "dedup": dedup,
            "attempts": 0,
            "created_at": ts,
            "updated_at": ts,
            "cancel": None,
        }
        event = job_event(job, event="created", pausable=pausable, created_at=ts, params=params)
        pairs = _flat(encode_fields(job))
        created, owner, _ = self._create(
            keys=[
                self.keys.job(job_id),
                self.keys.job_events(job_id),
                self.keys.feed,
                self.keys.jobs,
                self.keys.dedup(dedup or ""),
            ],
            args=[
                job_id,
                "1" if dedup else "0",
                self.keys.job(""),
                self.limits.job_events_max,
                self.limits.feed_max,
                _dumps(event),
                ts,
                *pairs,
            ],
        )
        return self.get(owner), bool(created)

    # -- reading ----------------------------------------------------------------------------
    # -- changing ---------------------------------------------------------------------------
    def update(
        self,
        job_id: str,
        fields: dict[str, Any],
        *,
        allowed: tuple[str, ...] = (),
        mode: str = "",
        event: dict[str, Any] | None = None,
        snapshot: Job | None = None,
        run: str = "",
    ) -> int | None:
        """Apply `fields` and emit their event if the job is in an `allowed` state; seq or None.

        `run` is the claiming attempt's token: a worker presumed dead that wakes up later
        cannot overwrite the job another worker has since taken over.
        """
        fields = {**fields, "updated_at": now()}
        if event is None:
            event = job_event(
                {**dict(snapshot or {}), "id": job_id, **fields},
                event="state" if "state" in fields else "progress",
            )
        dedup = snapshot.get("dedup") if mode == "terminal" and snapshot else None
        dedup_key = self.keys.dedup(dedup) if dedup else ""
        out = self._emit(
            keys=[
                self.keys.job(job_id),
                self.keys.job_events(job_id),
                self.keys.feed,
                self.keys.running,
                self.keys.jobs,
            ],
            args=[
                ",".join(allowed),
                self.limits.job_events_max,
                self.limits.feed_max,
                _dumps(event),
                job_id,
                mode,
                now(),
                self.limits.retention_s,
                dedup_key,
                run,
                *_flat(encode_fields(fields)),
            ],
        )
        return int(out[0]) if out else None

    def request_stop(self, job_id: str, action: str) -> Job:
        """Cancel or pause: a queued/paused job stops at once, a running one is told to."""
        if action not in _STOP_ACTIONS:
            raise InvalidRequest(f"Unknown action {action!r}.", hint="Use cancel or pause.")
        job = self.get(job_id)
        state = job["state"]
        if state in TERMINAL:
            raise Conflict(f"Job {job_id} already {state}; there is nothing to {action}.")
        if action == "pause" and not job.get("pausable"):
            raise Conflict(f"A {job['kind']} job cannot be paused; cancel it instead.")
        if state == JobState.RUNNING:
            self.r.hset(self.keys.job(job_id), "cancel", action)
            self.update(
                job_id,
                {"message": f"{action.capitalize()} requested"},
                allowed=(JobState.RUNNING,),
                snapshot=job,
            )
        elif action == "cancel":
            self.finish(
                job_id,
                JobState.CANCELLED,
                {"message": "Cancelled"},
                allowed=(JobState.QUEUED, JobState.PAUSED),
                snapshot=job,
            )
        elif state == JobState.QUEUED:
            self.update(
                job_id,
                {"state": JobState.PAUSED.value, "stage": "paused", "message": "Paused"},
                allowed=(JobState.QUEUED,),
                mode="idle",
                snapshot=job,
            )
        return self.get(job_id)

    def finish(
        self,
        job_id: str,
        state: JobState,
        fields: dict[str, Any],
        *,
        allowed: tuple[str, ...] = (JobState.RUNNING,),
        snapshot: Job | None = None,
        run: str = "",
    ) -> int | None:
        """Move a job to a terminal state, releasing its dedup key and running slot."""
        assert state in TERMINAL
        snapshot = snapshot or self.get(job_id)
        body = {**fields, "state": state.value, "finished_at": now(), "cancel": ""}
        body.setdefault("stage", state.value)
        seq = self.update(
            job_id, body, allowed=allowed, mode="terminal", snapshot=snapshot, run=run
        )
        if seq is not None:
            started = snapshot.get("started_at")
            took = body["finished_at"] - started if isinstance(started, int | float) else None
            Metrics(self.r, self.keys).job_finished(str(snapshot.get("kind")), state.value, took)
        return seq


def _flat(mapping: dict[str, str]) -> list[str]:
    return [item for pair in mapping.items() for item in pair]


def _dumps(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), default=str)
