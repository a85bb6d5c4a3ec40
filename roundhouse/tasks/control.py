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
from roundhouse.tasks.outbox import Outbox, Write
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
    """Implements providers.base.Control for one claimed job (thread-safe).

    The handler's thread never waits on Redis: `report` and `event` only record, and a
    thread of the control's own sends (at most every `interval_s`, at once for a stage change
    or an event) and beats. Cut off from Redis, the job goes on; what it reported waits in its
    `Outbox` (latest progress; every stage and event in order) and goes when Redis answers.
    """

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
        self._lock = threading.Lock()  # guards the fields below; never held across Redis
        self._sending = threading.Lock()  # one sender at a time, so writes keep their order
        self._out = Outbox()  # what Redis has not been sent yet, in order
        self._last_emit = 0.0
        self._urgent = False  # a stage change or the first report: send without waiting
        self._stop: str | None = None
        self._rate = RateMeter()
        self._wake = threading.Event()
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
            new_stage = stage is not None and stage != self.job.get("stage")
            if new_stage:  # its own write, so every stage is seen even when they come fast
                self._out.add(fields, self.job)
            else:
                self._out.progress(fields)
            self.job.update(cast(Job, fields))  # a partial job, extra fields included
            self._urgent = self._urgent or new_stage or not self._last_emit
            if self._urgent or time.monotonic() - self._last_emit >= self.interval_s:
                self._wake.set()

    def check(self) -> None:
        if self._stop == "cancel":
            raise Cancelled("Cancelled by request")
        if self._stop == "pause":
            raise Paused("Paused by request")
        if self._stop == "superseded":
            raise Superseded("Job taken over by another worker")

    def event(self, type_: str, **data: Any) -> None:
        with self._lock:
            self._out.add({}, self.job, job_event(self.job, event=type_, **data))
            self._wake.set()

    # -- the job system's side --------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop the sending thread and send what is still held (before the final state),
        waiting for Redis as long as its client does: the final state comes after it."""
        self._done.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self.flush()

    def flush(self) -> None:
        """Send everything reported so far, in order; hold it again if Redis is unreachable."""
        with self._sending:
            with self._lock:
                batch = self._out.take(self.job)
                self._last_emit, self._urgent = time.monotonic(), False
            try:
                while batch:
                    self._send(*batch[0])
                    batch.pop(0)
            except (redis.ConnectionError, redis.TimeoutError):
                log.warning("job %s: Redis unreachable; holding its progress", self.job_id)
            finally:
                self._hold_again(batch)

    def _hold_again(self, unsent: list[Write]) -> None:
        if unsent:
            with self._lock:
                self._out.put_back(unsent)

    def _send(self, fields: dict[str, Any], job: Job, event: dict[str, Any] | None) -> None:
        """One write; `job` is the record as it stood when the write was queued."""
        seq = self.store.update(
            self.job_id, fields, allowed=_RUNNING, run=self.run, job=job, event=event
        )
        if seq is None and self._stop is None:
            self._stop = "superseded"

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

    def _beat(self) -> None:
        next_beat = 0.0
        while not self._done.is_set():
            self._wake.wait(max(0.005, min(self.interval_s, self.heartbeat_s)))
            self._wake.clear()
            if self._done.is_set():
                return
            try:
                if self._due():
                    self.flush()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat_s
                    self._heartbeat()
            except Exception:  # Redis away for a moment: the next beat retries
                log.warning("heartbeat for job %s failed", self.job_id, exc_info=True)

    def _due(self) -> bool:
        """Something is waiting, and either an event is among it or the interval has passed."""
        with self._lock:
            if self._urgent or self._out.has_event():
                return True
            return bool(self._out) and time.monotonic() - self._last_emit >= self.interval_s

    def _heartbeat(self) -> None:
        """Beat, and read in the same round trip whether the job is still ours to run.

        After Redis could not hear this host for a while the run token says whether the
        watchdog gave the job away meanwhile; if it did not, the "unreachable" note goes.
        """
        beat = self.store.beat(self.job_id, self.run)
        if beat.stop:
            self._stop = beat.stop
        if beat.unreachable:
            with self._lock:
                message = self.job.get("message") or "Running"
                self._out.progress({"unreachable_since": None, "message": message})
            self.flush()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
