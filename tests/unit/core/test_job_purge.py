"""Clear finished: terminal jobs' records, events and index entries go; active jobs stay."""

from __future__ import annotations

import pytest

from roundhouse.core import job_purge
from roundhouse.core.errors import NotFound
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState
from tests.unit.core.test_job_store import running


def test_clear_finished_purges_terminal_jobs_only(store: JobStore) -> None:
    live = running(store)
    queued, _ = store.create("k", {})
    done = [running(store) for _ in range(3)]
    for job, state in zip(
        done, (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED), strict=True
    ):
        store.finish(job["id"], state, {})

    cleared = store.clear_finished()

    assert sorted(cleared) == sorted(j["id"] for j in done)
    for job in done:
        assert not store.r.exists(store.keys.job(job["id"]), store.keys.job_events(job["id"]))
        try:
            store.get(job["id"])
        except NotFound:
            pass
        else:
            raise AssertionError("a cleared job can still be read")
    listed = [j["id"] for j in store.list(limit=50)[0]]
    assert listed == [queued["id"], live["id"]]
    assert store.events(live["id"])  # an active job keeps its events
    assert store.clear_finished() == []


def test_clear_finished_older_than_keeps_recent_ones(store: JobStore) -> None:
    job = running(store)
    store.finish(job["id"], JobState.SUCCEEDED, {})
    finished_at = store.get(job["id"])["finished_at"]
    assert store.clear_finished(older_than=finished_at - 1) == []
    assert store.clear_finished(older_than=finished_at + 1) == [job["id"]]


def test_clear_finished_walks_past_one_batch(
    store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_purge, "_BATCH", 50)  # 500 for real: the walk is the same
    ids = []
    for _ in range(62):  # more than one batch, finished and live mixed
        job, _ = store.create("k", {})
        store.finish(job["id"], JobState.CANCELLED, {}, allowed=("queued",))
        ids.append(job["id"])
    keep, _ = store.create("k", {})
    assert sorted(store.clear_finished()) == sorted(ids)
    assert [j["id"] for j in store.list(limit=10)[0]] == [keep["id"]]
