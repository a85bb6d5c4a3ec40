"""The `ollama.pull` handler run on its own: a test context (fakeredis store, settings, a list
for enqueue) and the fake Ollama on loopback; no process-wide globals to patch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from roundhouse.core.jobs import JobStore
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.jobs import ollama as pull_job
from roundhouse.tasks.requests import ollama as pulls
from tests.fakes.control import RecordingControl
from tests.fakes.ollama import FakeOllama


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama(tick=0) as fake:
        yield fake


def running(store: JobStore, job_id: str) -> None:
    """Claimed, with a fresh heartbeat: what the runner leaves before a handler runs."""
    store.update(job_id, {"state": "running", "run": "t"}, allowed=("queued",), mode="running")


def test_a_finished_pull_sends_the_next_waiter_through_the_contexts_enqueue(
    store: JobStore, ollama: FakeOllama
) -> None:
    sent: list[dict] = []
    settings = Settings(ollama_base_url=ollama.url, ollama_max_pulls=1, hostname="here")
    ctx = WorkerContext(settings, Stores(store.r, store.keys, settings), sent.append)
    first, _ = store.create(pulls.PULL, {"model": "llama3.2", "ollama_url": ollama.url})
    second, _ = store.create(pulls.PULL, {"model": "mistral", "ollama_url": ollama.url})
    running(store, first["id"])
    assert pull_job.slots_for(ctx, ollama.url).acquire(first["id"]) == 0

    assert pull_job.admit(ctx, store.get(second["id"])) is False  # its turn has not come
    waiting = store.get(second["id"])
    assert waiting["place"] == 1 and waiting["message"].endswith("(1st in line)")

    result = pull_job.pull(ctx, store.get(first["id"]), RecordingControl())
    assert result["message"].startswith("Pulled llama3.2:latest")
    assert [job["id"] for job in sent] == [second["id"]]  # sent at once, not after a countdown
    assert pull_job.admit(ctx, store.get(second["id"])) is True


def test_the_api_and_the_worker_compute_the_same_place(store: JobStore) -> None:
    settings = Settings(ollama_max_pulls=1)
    line = pulls.slots(Stores(store.r, store.keys, settings), settings, "http://127.0.0.1:11434")
    jobs = [store.create(pulls.PULL, {"model": f"m{i}"})[0] for i in range(3)]
    running(store, jobs[0]["id"])
    line.acquire(jobs[0]["id"])
    places = [pulls.show_place(store, line, store.get(j["id"]))[0] for j in jobs[1:]]
    assert places == [1, 2]
    assert [store.get(j["id"])["place"] for j in jobs[1:]] == [1, 2]
    _, again = pulls.show_place(store, line, store.get(jobs[2]["id"]))
    assert again["place"] == 2 and len(store.events(jobs[2]["id"])) == 2  # unchanged: no write
