"""A re-run of a job waits for its own earlier attempt to release the file; others do not."""

from __future__ import annotations

import pytest

from roundhouse.core.errors import Conflict, JobStopped
from roundhouse.tasks.attempts import after_earlier_attempt, had_earlier_attempt
from tests.fakes.control import RecordingControl

BUSY = Conflict("m.gguf is already being downloaded by another job")


def flaky(times: int, error: Exception = BUSY):  # type: ignore[no-untyped-def]
    calls = []

    def fetch() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return fetch, calls


def test_a_rerun_waits_until_its_earlier_attempt_lets_go() -> None:
    fetch, calls = flaky(2)
    control = RecordingControl()
    assert after_earlier_attempt(fetch, control, True, wait_s=5, poll_s=0.01) == "done"
    assert len(calls) == 3
    assert "earlier attempt" in control.reports[-1]["message"]


def test_a_first_attempt_or_another_conflict_fails_at_once() -> None:
    fetch, calls = flaky(1)
    with pytest.raises(Conflict):
        after_earlier_attempt(fetch, RecordingControl(), False, wait_s=5, poll_s=0.01)
    fetch, calls = flaky(1, Conflict("something else"))
    with pytest.raises(Conflict):
        after_earlier_attempt(fetch, RecordingControl(), True, wait_s=5, poll_s=0.01)
    assert len(calls) == 1


def test_the_wait_is_bounded_and_stoppable() -> None:
    fetch, calls = flaky(10_000)
    with pytest.raises(Conflict):
        after_earlier_attempt(fetch, RecordingControl(), True, wait_s=0.05, poll_s=0.01)
    control = RecordingControl(cancel_after_checks=0)
    with pytest.raises(JobStopped):
        after_earlier_attempt(flaky(5)[0], control, True, wait_s=5, poll_s=0.01)


def test_had_earlier_attempt() -> None:
    assert not had_earlier_attempt({"attempts": 1}) and had_earlier_attempt({"attempts": 2})
