"""What a running job is handed: throttled progress, stop requests, heartbeats."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, cast

import redis

from roundhouse.core.errors import Cancelled, JobStopped, Paused
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState, job_event
from roundhouse.tasks.rate import RateMeter

log = logging.getLogger(__name__)
_RUNNING = (JobState.RUNNING.value,)


class Superseded(JobStopped):
    """The watchdog gave this job to another worker; this one must stop writing."""


class Deferred(JobStopped):
    """The handler put its job back in the queue on purpose (e.g. to wait for a slot).

    Not a `Superseded`: no other worker took the job over; this one gave its turn back, and
    the job's task is retried (see tasks/runner.py).
    """


class JobControl:
    """Implements providers.base.Control for one claimed job (thread-safe)."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        run: str,
        *,
        interval_s: float = 0.1,
        heartbeat_s: float = 0.5,
    ) -> None:
        self.store, self.run, self.job_id = store, run, job["id"]
        self.interval_s, self.heartbeat_s = interval_s, heartbeat_s
        self.job: Job = job.copy()
        self._lock = threading.Lock()
        self._pending: dict[str, Any] = {}
        self._held: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        self._last_emit = 0.0
        self._stop: str | None = None
        self._rate = RateMeter()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{self.job_id}", daemon=True)

    # -- Control protocol -------------------------------------------------------------------
    def report(
        self,
        *,
        stage: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        progress: float | None = None,
        **extra: Any,
    ) -> None:
        with self._lock:
            fields = self._fields(stage, done, total, message, progress, extra)
            urgent = (stage is not None and stage != self.job.get("stage")) or not self._last_emit
            self.job.update(cast(Job, fields))  # a partial job, extra fields included
            self._pending.update(fields)
            if urgent or time.monotonic() - self._last_emit >= self.interval_s:
                self._flush()

    def check(self) -> None:
        if self._stop == "cancel":
            raise Cancelled("Cancelled by request")
        if self._stop == "pause":
            raise Paused("Paused by request")
        if self._stop == "superseded":
            raise Superseded("Job taken over by another worker")

    def event(self, type_: str, **data: Any) -> None:
        with self._lock:
            self._flush()
            event = job_event(self.job, event=type_, **data)
            self._write({}, event=event)

    # -- the job system's side --------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop the heartbeat and send what is still pending (before the final state)."""
        self._done.set()
        self._thread.join(timeout=5)
        with self._lock:
            self._flush()

    def _fields(
        self,
        stage: str | None,
        done: int | None,
        total: int | None,
        message: str | None,
        progress: float | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        fields: dict[str, Any] = dict(extra)
        if stage is not None:
            fields["stage"] = stage
        if message is not None:
            fields["message"] = message
        if total is not None:
            fields["total"] = total
        if done is not None:
            fields["done"] = done
            self._rate.add(done)
            total = total if total is not None else self.job.get("total")
            fields["speed"] = _round(self._rate.speed())
            fields["eta"] = _round(self._rate.eta(total))
            if progress is None and total:
                progress = min(1.0, done / total)
        if progress is not None:  # overall progress never goes backwards
            fields["progress"] = round(max(progress, self.job.get("progress") or 0.0), 4)
        return fields

    def _flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, {}
            self._write(pending)
        elif self._held:
            self._write({}, held_only=True)

    def _write(
        self, fields: dict[str, Any], event: dict[str, Any] | None = None, held_only: bool = False
    ) -> None:
        """Send (events held while Redis was unreachable first, in order); hold on failure.

        A worker cut off from Redis keeps its claim, so its job goes on: nothing it reports
        is lost or raised into the handler, and it is all sent once Redis answers again.
        """
        self._last_emit = time.monotonic()
        try:
            while self._held:
                self._send(*self._held[0])
                self._held.pop(0)
            if not held_only:
                self._send(fields, event)
        except (redis.ConnectionError, redis.TimeoutError):
            if not held_only:
                self._hold(fields, event)
            log.warning("job %s: Redis unreachable; holding its progress", self.job_id)

    def _send(self, fields: dict[str, Any], event: dict[str, Any] | None) -> None:
        seq = self.store.update(
            self.job_id, fields, allowed=_RUNNING, run=self.run, job=self.job, event=event
        )
        if seq is None and self._stop is None:
            self._stop = "superseded"

    def _hold(self, fields: dict[str, Any], event: dict[str, Any] | None) -> None:
        if event is None:  # plain progress: only the latest values matter
            self._pending = {**fields, **self._pending}
        else:  # a one-off event (a beam candidate): every one, in order
            self._held.append((fields, event))

    def _beat(self) -> None:
        next_beat = 0.0
        while not self._done.wait(min(self.interval_s, self.heartbeat_s)):
            try:
                with self._lock:
                    due = time.monotonic() - self._last_emit >= self.interval_s
                    if (self._pending or self._held) and due:
                        self._flush()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat_s
                    self._heartbeat()
            except Exception:  # Redis away for a moment: the next beat retries
                log.warning("heartbeat for job %s failed", self.job_id, exc_info=True)

    def _heartbeat(self) -> None:
        """Beat, and read in the same round trip whether the job is still ours to run.

        After Redis could not hear this host for a while the run token says whether the
        watchdog gave the job away meanwhile; if it did not, the "unreachable" note goes.
        """
        beat = self.store.beat(self.job_id, self.run)
        if beat.stop:
            self._stop = beat.stop
        if beat.unreachable:
            self._reachable_again()

    def _reachable_again(self) -> None:
        with self._lock:
            message = self.job.get("message") or "Running"
            self._write({**self._pending, "unreachable_since": None, "message": message})
            self._pending = {}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
