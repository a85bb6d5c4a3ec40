"""The order and merging of a job's unsent writes."""

from __future__ import annotations

from roundhouse.core.job_types import Job
from roundhouse.tasks.outbox import Outbox

JOB: Job = {"id": "j1", "stage": "download", "message": "Downloading"}


def test_plain_progress_merges_into_the_latest_unsent_progress() -> None:
    out = Outbox()
    out.progress({"done": 1})
    out.seal(JOB)
    out.progress({"done": 2, "speed": 5.0})
    assert out.take(JOB) == [({"done": 2, "speed": 5.0}, JOB, None)]
    assert not out


def test_a_stage_keeps_its_own_write_and_shows_what_came_before_with_the_old_stage() -> None:
    out = Outbox()
    out.progress({"done": 9})
    out.add({"stage": "verify"}, JOB)
    out.progress({"done": 10})  # progress after the stage joins the stage's write
    sent = out.take({**JOB, "stage": "verify", "done": 10})
    assert [(fields, job["stage"]) for fields, job, _ in sent] == [
        ({"done": 9}, "download"),
        ({"stage": "verify", "done": 10}, "verify"),
    ]


def test_events_keep_their_place_and_progress_never_jumps_over_one() -> None:
    out = Outbox()
    out.progress({"done": 1})
    out.add({}, JOB, {"event": "candidate", "n": 0})
    out.progress({"done": 2})
    out.add({}, JOB, {"event": "candidate", "n": 1})
    assert out.has_event()
    kinds = [(fields.get("done"), event and event["n"]) for fields, _, event in out.take(JOB)]
    assert kinds == [(1, None), (None, 0), (2, None), (None, 1)]


def test_unsent_writes_go_back_before_anything_queued_since() -> None:
    out = Outbox()
    out.add({}, JOB, {"event": "candidate", "n": 0})
    batch = out.take(JOB)
    out.progress({"done": 3})
    out.put_back(batch)
    sent = out.take(JOB)
    assert [event is not None for *_, event in sent] == [True, False]
    assert sent[1][0] == {"done": 3}
