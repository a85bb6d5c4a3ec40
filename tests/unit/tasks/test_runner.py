"""The runner decides how every job ends; the watchdog rescues jobs whose worker died."""

from __future__ import annotations

import json
import logging

import pytest

from roundhouse.core.errors import Cancelled, Paused, ProviderError
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import now
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores
from roundhouse.tasks import kinds, runner, watchdog
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.control import Deferred, Superseded

SETTINGS = Settings(
    hostname="testhost", progress_interval_s=0.0, stale_after_s=5, watchdog_interval_s=1
)


@kinds.job_kind("test.ok")
def _ok(ctx, job, control):  # type: ignore[no-untyped-def]
    control.report(stage="working", done=1, total=1)
    return {"message": "All good", "value": job["params"]["v"]}


@kinds.job_kind("test.boom")
def _boom(ctx, job, control):  # type: ignore[no-untyped-def]
    raise KeyError("secret internals")


@kinds.job_kind("test.provider")
def _provider(ctx, job, control):  # type: ignore[no-untyped-def]
    raise ProviderError("ollama", "model not found", hint="Check the name.")


@kinds.job_kind("test.cancel")
def _cancel(ctx, job, control):  # type: ignore[no-untyped-def]
    raise Cancelled("stop")


@kinds.job_kind("test.pause", pausable=True)
def _pause(ctx, job, control):  # type: ignore[no-untyped-def]
    raise Paused("pause")


@kinds.job_kind("test.resumable", resumable=True)
def _resumable(ctx, job, control):  # type: ignore[no-untyped-def]
    return None


@kinds.job_kind("test.defer")
def _defer(ctx, job, control):  # type: ignore[no-untyped-def]
    """What a kind that waits its turn does: back to `queued` by itself, then Deferred."""
    fields = {"state": "queued", "run": "", "message": "Waiting for a slot"}
    ctx.jobs.update(job["id"], fields, allowed=("running",), mode="idle", run=control.run)
    raise Deferred("Waiting for a slot")


@kinds.job_kind("test.superseded")
def _superseded(ctx, job, control):  # type: ignore[no-untyped-def]
    raise Superseded("Job taken over by another worker")


def ctx_of(store: JobStore, sent: list[dict] | None = None) -> WorkerContext:
    """The handlers' context on the test's store: no process-wide globals to patch."""
    stores = Stores(store.r, store.keys, SETTINGS)
    return WorkerContext(SETTINGS, stores, (sent if sent is not None else []).append)


def run(store: JobStore, kind: str) -> dict:
    job, _ = store.create(kind, {"v": 7})
    runner.run(job["id"], ctx_of(store))
    return store.get(job["id"])


def test_success_records_result_and_final_event(store: JobStore) -> None:
    job = run(store, "test.ok")
    assert job["state"] == "succeeded" and job["result"]["value"] == 7
    assert job["message"] == "All good" and job["progress"] == 1.0 and job["host"] == "testhost"
    last = json.loads(store.events(job["id"])[-1])
    assert last["state"] == "succeeded" and last["event"] == "state"


def test_unexpected_error_is_readable_and_logged_with_traceback(
    store: JobStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        job = run(store, "test.boom")
    assert job["state"] == "failed"
    assert job["error"] == "Unexpected error (KeyError): 'secret internals'"
    assert "Traceback" not in job["error"]
    assert any(r.exc_info for r in caplog.records)


def test_app_error_keeps_its_message_and_hint(store: JobStore) -> None:
    job = run(store, "test.provider")
    assert job["error"] == "ollama: model not found" and job["hint"] == "Check the name."


def test_cancel_and_pause_end_states(store: JobStore) -> None:
    assert run(store, "test.cancel")["state"] == "cancelled"
    assert run(store, "test.pause")["state"] == "paused"


def test_a_second_delivery_of_a_running_job_is_ignored(store: JobStore) -> None:
    job, _ = store.create("test.ok", {"v": 1})
    store.update(job["id"], {"state": "running", "run": "x"}, allowed=("queued",), mode="running")
    assert runner.run(job["id"], ctx_of(store)).outcome == runner.SKIP
    assert store.get(job["id"])["state"] == "running"


def test_each_ending_says_how_the_job_ended(store: JobStore) -> None:
    endings = {}
    for kind in ("test.ok", "test.provider", "test.cancel", "test.pause"):
        job, _ = store.create(kind, {"v": 1})
        endings[kind] = runner.run(job["id"], ctx_of(store))
    assert endings["test.ok"] == runner.Ending("succeeded", "All good")
    assert endings["test.provider"] == runner.Ending("failed", "ollama: model not found")
    assert endings["test.cancel"].outcome == "cancelled"
    assert endings["test.pause"].outcome == "paused"


def test_a_late_delivery_of_a_finished_job_reports_its_final_state(store: JobStore) -> None:
    job, _ = store.create("test.provider", {"v": 1})
    runner.run(job["id"], ctx_of(store))
    assert runner.run(job["id"], ctx_of(store)) == runner.Ending(
        "failed", "ollama: model not found"
    )


def test_a_failed_job_is_logged_as_a_warning_with_its_id(
    store: JobStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="roundhouse.tasks.runner"):
        job = run(store, "test.provider")
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warned and job["id"] in warned[0].getMessage()
    assert "model not found" in warned[0].getMessage()


def _stale_running(store: JobStore, kind: str) -> str:
    job, _ = store.create(kind, {"v": 1})
    store.update(job["id"], {"state": "running", "run": "x"}, allowed=("queued",), mode="running")
    store.r.zadd(store.keys.running, {job["id"]: now() - 60})
    return job["id"]


def test_watchdog_requeues_resumable_and_fails_the_rest(store: JobStore) -> None:
    resumable = _stale_running(store, "test.resumable")
    other = _stale_running(store, "test.ok")
    sent: list[dict] = []
    stores = Stores(store.r, store.keys, SETTINGS)
    acted = watchdog.sweep(stores, sent.append, SETTINGS)
    assert set(acted) == {resumable, other}
    assert store.get(resumable)["state"] == "queued" and sent[0]["id"] == resumable
    lost = store.get(other)
    assert lost["state"] == "failed" and lost["error"].startswith("Worker lost")
    assert watchdog.sweep(stores, sent.append, SETTINGS) == []  # one sweep per interval


def test_worker_liveness(store: JobStore) -> None:
    stores = Stores(store.r, store.keys, SETTINGS)
    watchdog.beat_worker(stores, "w1@host")
    assert stores.workers.live(10) == ["w1@host"]


def test_deferred_is_back_in_line_and_superseded_is_someone_elses(
    store: JobStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Deferred ("I put myself back in line") is retried and claimed again, a new attempt;
    Superseded ("another worker took over") is left alone: no retry, no claim, a warning."""
    assert not issubclass(Deferred, Superseded)
    deferred, _ = store.create("test.defer", {})
    superseded, _ = store.create("test.superseded", {})
    with caplog.at_level(logging.INFO, logger="roundhouse.tasks.runner"):
        waited = runner.run(deferred["id"], ctx_of(store))
        left = runner.run(superseded["id"], ctx_of(store))
    assert waited == runner.Ending(runner.WAIT, "Waiting for a slot", SETTINGS.wait_retry_s)
    assert left == runner.Ending(runner.SKIP)
    assert store.get(deferred["id"])["state"] == "queued"
    assert store.get(superseded["id"])["state"] == "running"  # the other worker's to finish
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == [f"job {superseded['id']} was taken over by another worker; stopping here"]

    assert runner.run(deferred["id"], ctx_of(store)).outcome == runner.WAIT  # claimed again
    assert store.get(deferred["id"])["attempts"] == 2
    assert runner.run(superseded["id"], ctx_of(store)) == runner.Ending(runner.SKIP)
    assert store.get(superseded["id"])["attempts"] == 1


@kinds.job_kind("test.uses_ctx")
def _uses_ctx(ctx, job, control):  # type: ignore[no-untyped-def]
    ctx.enqueue({"id": "next", "kind": "test.ok"})
    return {"message": f"ran on {ctx.base_settings.hostname}"}


def test_a_handler_gets_the_context_it_was_run_with(store: JobStore) -> None:
    sent: list[dict] = []
    job, _ = store.create("test.uses_ctx", {})
    ending = runner.run(job["id"], ctx_of(store, sent))
    assert ending == runner.Ending("succeeded", "ran on testhost")
    assert sent == [{"id": "next", "kind": "test.ok"}]
