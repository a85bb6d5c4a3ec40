"""Writing jobs: creating one, and every change as one atomic script with its event."""

from __future__ import annotations

import json
import uuid
from typing import Any, Unpack

import redis

from roundhouse.core.job_liveness import JobLiveness
from roundhouse.core.job_purge import JobPurge
from roundhouse.core.job_reads import JobReads
from roundhouse.core.job_types import Job, Limits, NewJob
from roundhouse.core.keys import Keys
from roundhouse.core.metrics import Metrics
from roundhouse.core.models import (
    TERMINAL,
    JobState,
    decode_job,
    encode_fields,
    job_event,
    now,
)
from roundhouse.core.scripts import JobScripts
from roundhouse.core.slots import Slots

DEFAULT_LIMITS = Limits()


def new_job_id() -> str:
    """Short enough to read in a log, random enough to never collide."""
    return uuid.uuid4().hex[:16]


class JobWrites(JobReads, JobLiveness, JobPurge):
    """Create and change jobs; every change is one atomic script with its event."""

    def __init__(self, r: redis.Redis, keys: Keys, limits: Limits = DEFAULT_LIMITS) -> None:
        self.r, self.keys, self.limits = r, keys, limits
        self.scripts = JobScripts(r)
        self.metrics = Metrics(r, keys)

    # -- creating ---------------------------------------------------------------------------
    def create(
        self, kind: str, params: dict[str, Any], **options: Unpack[NewJob]
    ) -> tuple[Job, bool]:
        """Make a queued job; with `dedup`, a live job owning that artifact is returned instead."""
        job, created, _ = self.create_in_line(kind, params, **options)
        return job, created

    def create_in_line(
        self,
        kind: str,
        params: dict[str, Any],
        *,
        line: Slots | None = None,
        **options: Unpack[NewJob],
    ) -> tuple[Job, bool, int | None]:
        """`create`, and a new job joins `line` in the same round trip: its place there
        (Slots.join), or None when no job was made (a live owner) or there is no line."""
        dedup, pausable = options.get("dedup"), options.get("pausable", False)
        queue, message = options.get("queue", "default"), options.get("message", "Queued")
        job_id = options.get("job_id") or new_job_id()
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
        encoded = encode_fields(job)
        pairs = _flat(encoded)
        then = line.join_call(job_id, self.keys.job(job_id)) if line else None
        seen = ""  # optimistic: a live owner comes back as the answer, then its key goes in KEYS
        while True:
            answer, joined = self.scripts.create(
                job=self.keys.job(job_id),
                events=self.keys.job_events(job_id),
                feed=self.keys.feed,
                jobs=self.keys.jobs,
                dedup=self.keys.dedup(dedup) if dedup else None,
                owner_job=self.keys.job(seen or job_id),
                job_id=job_id,
                owner_seen=seen,
                events_max=self.limits.job_events_max,
                feed_max=self.limits.feed_max,
                event=_dumps(event),
                created_at=ts,
                fields=pairs,
                then=then,
            )
            if answer.outcome == 1:  # the hash holds what was just written: no read back
                if line and (joined is None or int(joined) < 0):  # made on a second try
                    joined = line.join(job_id)
                place = int(joined) if line else None
                return decode_job({**encoded, "seq": "1"}), True, place
            if answer.outcome == 0:
                return self.get(answer.job_id), False, None
            seen, then = answer.job_id, None  # the retry makes no line call: joined above

    # -- changing ---------------------------------------------------------------------------
    def update(
        self,
        job_id: str,
        fields: dict[str, Any],
        *,
        allowed: tuple[str, ...] = (),
        mode: str = "",
        event: dict[str, Any] | None = None,
        job: Job | None = None,
        run: str = "",
    ) -> int | None:
        """Apply `fields` and emit their event if the job is in an `allowed` state; seq or None.

        `job` is the record as the caller last read it: the event shows it with `fields` laid
        over. `run` is the claiming attempt's token: a worker presumed dead that wakes up
        later cannot overwrite the job another worker has since taken over.
        """
        fields = {**fields, "updated_at": now()}
        if event is None:
            event = job_event(
                {**dict(job or {}), "id": job_id, **fields},
                event="state" if "state" in fields else "progress",
            )
        dedup = job.get("dedup") if mode == "terminal" and job else None
        return self.scripts.emit(
            job=self.keys.job(job_id),
            events=self.keys.job_events(job_id),
            feed=self.keys.feed,
            running=self.keys.running,
            dedup=self.keys.dedup(dedup) if dedup else None,
            job_id=job_id,
            allowed=allowed,
            events_max=self.limits.job_events_max,
            feed_max=self.limits.feed_max,
            event=_dumps(event),
            event_name=str(event.get("event") or ""),
            mode=mode,
            at=now(),
            retention_s=self.limits.retention_s,
            run=run,
            fields=_flat(encode_fields(fields)),
        )

    def finish(
        self,
        job_id: str,
        state: JobState,
        fields: dict[str, Any],
        *,
        allowed: tuple[str, ...] = (JobState.RUNNING,),
        job: Job | None = None,
        run: str = "",
    ) -> int | None:
        """Move a job to a terminal state, releasing its dedup key and running slot."""
        assert state in TERMINAL
        job = job or self.get(job_id)
        body = {**fields, "state": state.value, "finished_at": now(), "cancel": ""}
        body.setdefault("stage", state.value)
        seq = self.update(job_id, body, allowed=allowed, mode="terminal", job=job, run=run)
        if seq is not None:
            started = job.get("started_at")
            took = body["finished_at"] - started if isinstance(started, int | float) else None
            self.metrics.job_finished(str(job.get("kind")), state.value, took)
        return seq


def _flat(mapping: dict[str, str]) -> list[str]:
    return [item for pair in mapping.items() for item in pair]


def _dumps(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), default=str)
