"""Celery's view of a job: each delivery ends in the Celery state matching the job's.

succeeded -> SUCCESS (the job's message as the result), failed -> FAILURE (the job's error as
the exception text), cancelled -> REVOKED, paused -> RETRY (resuming sends the task again),
waiting for its turn -> RETRY with a countdown (one task, not a new one per look), a duplicate
delivery -> nothing (ignored, so it cannot overwrite the state the real delivery reported).
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.exceptions import Ignore, Retry

from roundhouse.core.models import JobState
from roundhouse.tasks.runner import WAIT, Ending


class JobFailed(Exception):
    """The job failed; the text is the job's error (an expected outcome: no traceback logged)."""


class JobWaiting(Exception):
    """Not a failure: the job waits its turn in the queue (shown with the task's retry)."""


class JobPaused(Exception):
    """Not a failure: paused by request; resuming sends the task again."""


def report(task: Task, ending: Ending, label: str) -> Any:
    """Return, raise or retry so that Celery and its monitors see how the job ended."""
    outcome = ending.outcome
    if outcome == JobState.SUCCEEDED:
        return ending.text
    if outcome == JobState.FAILED:
        raise JobFailed(ending.text)
    if outcome == JobState.CANCELLED:
        task.send_event("task-revoked", terminated=False, signum=None, expired=False)
        raise Ignore()
    if outcome == JobState.PAUSED:
        raise Retry(ending.text, exc=JobPaused(ending.text))
    if outcome == WAIT:
        raise task.retry(
            countdown=ending.retry_s,
            exc=JobWaiting(ending.text),
            argsrepr=label,
        )
    raise Ignore()
