"""With 4 worker processes: every job started after a switch's answer sees that version or a
newer one, never an older one (jobs read `rh:providers` once, when they start)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from roundhouse.core.settings import Settings
from roundhouse.tasks.app import broker_app
from roundhouse.tasks.enqueue import enqueue
from tests.conftest import Fakes
from tests.fakes.ollama import FakeOllama
from tests.helpers import wait_for
from tests.stacks import TestStack, start_stack

ROUNDS, JOBS_PER_ROUND = 12, 8


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama(installed=["llama3.2", "mistral"]) as fake:
        yield fake


@pytest.fixture(scope="module")
def ts(
    redis_base: str, fakes: Fakes, ollama: FakeOllama, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    env = {**fakes.env(), "OLLAMA_BASE_URL": ollama.url}
    stack = start_stack(
        tmp_path_factory.mktemp("providers-workers"), redis_base, env=env, workers=4, concurrency=2
    )
    yield stack
    stack.stop()


def wait_workers(ts: TestStack, count: int, timeout: float = 90) -> None:
    """start_stack waits for one worker; this test needs every one of them live."""
    wait_for(
        lambda: len(httpx.get(f"{ts.url}/healthz").json()["workers"]) >= count,
        timeout,
        interval=0.2,
        what=f"{count} workers checked in",
    )


def wait_all(ts: TestStack, ids: list[str], timeout: float = 120) -> list[dict]:
    store = ts.store()

    def finished() -> list[dict] | None:
        jobs = [store.get(i) for i in ids]
        return jobs if all(j["state"] in ("succeeded", "failed") for j in jobs) else None

    return wait_for(finished, timeout, interval=0.1, what="every job finished")


def test_no_job_started_after_a_switch_sees_an_older_version(ts: TestStack) -> None:
    wait_workers(ts, 4)
    celery = broker_app(Settings(redis_url=ts.redis_url))
    store = ts.store()
    acks: list[tuple[float, int]] = []  # (time the answer arrived, version it announced)
    started: list[tuple[str, int]] = []  # (job id, version acknowledged before it was created)
    models = ["llama3.2", "mistral"]
    with httpx.Client(base_url=ts.url, timeout=30) as http:
        for n in range(ROUNDS):
            r = http.post(
                "/api/providers/switch",
                json={"llm": {"provider": "ollama", "model": models[n % 2]}, "verify": n % 3 == 0},
            )
            assert r.status_code == 200, r.json()
            acks.append((time.time(), r.json()["version"]))
            for _ in range(JOBS_PER_ROUND):
                job, _ = store.create("providers.snapshot", {}, queue="default")
                enqueue(celery, job)
                started.append((job["id"], r.json()["version"]))
    jobs = {j["id"]: j for j in wait_all(ts, [i for i, _ in started])}
    assert all(j["state"] == "succeeded" for j in jobs.values()), [
        j.get("error") for j in jobs.values() if j["state"] != "succeeded"
    ]
    for job_id, acked in started:
        job = jobs[job_id]
        seen = job["result"]["providers_version"]
        assert seen >= acked, (job_id, seen, acked)
        assert job["providers_version"] == seen  # recorded on the job itself
        later_acks = [v for t, v in acks if t < job["result"]["read_at"]]
        assert seen >= max(later_acks, default=0)
    assert max(j["result"]["providers_version"] for j in jobs.values()) == acks[-1][1]
