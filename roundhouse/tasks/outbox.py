"""What a running job has reported and Redis has not been sent yet, kept in order."""

from __future__ import annotations

from typing import Any, cast

from roundhouse.core.job_types import Job

#: One write: its fields, the job as it stood when the write was queued, its one-off event.
Write = tuple[dict[str, Any], Job, dict[str, Any] | None]


class Outbox:
    """Writes waiting to go out. Plain progress merges into the latest unsent progress (only
    its latest values matter); a stage or a one-off event keeps a write of its own, so every
    stage and event is seen in the order it came however long Redis was away.

    Not thread-safe: its owner (`tasks/control.JobControl`) holds a lock around every call.
    """

    def __init__(self) -> None:
        self._pending: dict[str, Any] = {}
        self._held: list[Write] = []

    def progress(self, fields: dict[str, Any]) -> None:
        """Latest values, merged with what is pending."""
        self._pending.update(fields)

    def add(self, fields: dict[str, Any], job: Job, event: dict[str, Any] | None = None) -> None:
        """A write of its own (a stage change or an event) after what is pending; `job` is the
        record before it, which the pending progress is shown with."""
        self.seal(job)
        after = cast(Job, {**job, **fields})  # a partial job: extra fields included
        self._held.append((fields, after, event))

    def seal(self, job: Job) -> None:
        """Put the pending progress in line, shown with `job` (the record as it stands)."""
        if not self._pending:
            return
        if self._held and self._held[-1][2] is None:  # unsent progress: take the latest too
            self._held[-1] = ({**self._held[-1][0], **self._pending}, job.copy(), None)
        else:
            self._held.append((self._pending, job.copy(), None))
        self._pending = {}

    def take(self, job: Job) -> list[Write]:
        """Everything waiting, in order, to be sent now."""
        self.seal(job)
        batch, self._held = self._held, []
        return batch

    def put_back(self, unsent: list[Write]) -> None:
        """Writes that could not be sent go back before anything queued since."""
        self._held = unsent + self._held

    def has_event(self) -> bool:
        return any(event is not None for *_, event in self._held)

    def __bool__(self) -> bool:
        return bool(self._pending or self._held)
