"""What a Celery operator sees, checked through a real Flower and `celery inspect`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Fakes
from tests.helpers import start_demo, wait_state
from tests.integration.test_ollama_slots import pull
from tests.stacks import TestStack, start_flower, start_stack


@pytest.fixture(scope="module")
def watched(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestStack, str]]:
    """A stack with one download slot per Ollama, and Flower watching its broker."""
    env = {**fakes.env(), "ROUNDHOUSE_OLLAMA_MAX_PULLS": "1", "ROUNDHOUSE_WAIT_RETRY_S": "0.5"}
    ts = start_stack(tmp_path_factory.mktemp("flower"), redis_base, env=env, concurrency=3)
    try:
        yield ts, start_flower(ts)
    finally:
        ts.stop()


def task_info(flower: str, task_id: str, states: set[str], timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    info: dict = {}
    while time.monotonic() < deadline:
        r = httpx.get(f"{flower}/api/task/info/{task_id}", timeout=10)
        info = r.json() if r.status_code == 200 else {}
        if info.get("state") in states:
            return info
        time.sleep(0.2)
    raise TimeoutError(f"Flower shows task {task_id} as {info.get('state')}, not {states}")


def test_a_failed_job_is_a_failed_task_with_the_jobs_error(watched) -> None:  # type: ignore[no-untyped-def]
    ts, flower = watched
    r = httpx.post(
        f"{ts.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 3, "interval": 0.01, "fail_at": 2}},
    )
    job = wait_state(ts, r.json()["id"], {"failed", "succeeded"})
    assert job["state"] == "failed"
    info = task_info(flower, job["id"], {"FAILURE", "SUCCESS"})
    assert info["state"] == "FAILURE"
    assert job["error"] in info["exception"]  # "demo: asked to fail at step 2"
    warned = [
        line for line in ts.log("worker0").splitlines() if job["id"] in line and "WARNING" in line
    ]
    assert warned and "asked to fail" in warned[0]


def test_a_succeeded_and_a_cancelled_job_as_flower_shows_them(watched) -> None:  # type: ignore[no-untyped-def]
    ts, flower = watched
    ok = start_demo(ts, steps=2, interval=0.01)
    wait_state(ts, ok, {"succeeded"})
    done = task_info(flower, ok, {"SUCCESS", "FAILURE"})
    assert done["state"] == "SUCCESS" and done["result"] == "'Counted to 2'"
    long = start_demo(ts, steps=10_000, interval=0.05)
    wait_state(ts, long, {"running"})
    httpx.post(f"{ts.url}/api/jobs/{long}/cancel")
    wait_state(ts, long, {"cancelled"})
    assert task_info(flower, long, {"REVOKED", "SUCCESS", "FAILURE"})["state"] == "REVOKED"


def test_a_pull_waiting_for_its_slot_is_one_retrying_task(watched, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    ts, flower = watched
    fakes.ollama.publish({"view-a": [6_000_000, 100], "view-b": [500_000, 100]})
    saved = fakes.ollama.tick, fakes.ollama.bytes_per_tick
    # a crawls (~5 min for its 6 MB) until Flower has shown b retrying, then takes ~3 s: a
    # loaded machine's Flower may see that passing state later than a fixed ~3 s pull lasts
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = 0.05, 1_000
    try:
        a, b = pull(ts, "view-a"), pull(ts, "view-b")
        waiting = task_info(flower, b["id"], {"RETRY"}, timeout=60)
        fakes.ollama.bytes_per_tick = 96 * 1024
        assert "Waiting for a download slot" in waiting["exception"]
        first = wait_state(ts, a["id"], {"succeeded", "failed"}, timeout=60)
        second = wait_state(ts, b["id"], {"succeeded", "failed"}, timeout=60)
    finally:
        fakes.ollama.tick, fakes.ollama.bytes_per_tick = saved
    assert first["state"] == second["state"] == "succeeded"
    info = task_info(flower, b["id"], {"SUCCESS", "FAILURE"})
    assert info["state"] == "SUCCESS"
    waited = second["started_at"] - b["created_at"]
    # one task that retried every 0.5 s while it waited (past Celery's default cap of 3
    # retries), each retry a delivery of the same task; none of them a failure
    log = ts.log("worker0")
    retries, received = log.count(f"[{b['id']}] retry:"), log.count(f"[{b['id']}] received")
    assert retries > 3 and received <= waited / 0.5 + 3, (retries, received, waited)
    assert f"[{b['id']}] raised" not in log
    assert info["parent_id"] != b["id"]  # not its own parent
    assert info["args"] == f"ollama.pull view-b:latest @127.0.0.1:{fakes.ollama.port}"
    names = httpx.get(
        f"{flower}/api/tasks", params={"taskname": "roundhouse.ollama.pull"}, timeout=10
    ).json()
    assert [t for t in names if t == b["id"]] == [b["id"]]


def test_celery_inspect_and_flowers_worker_and_broker_pages_answer(watched) -> None:  # type: ignore[no-untyped-def]
    ts, flower = watched
    for command in ("ping", "stats", "active"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "roundhouse.tasks.app",
                "inspect",
                command,
                "--json",
                "--destination",  # answers once this worker replied, so the bound can be long
                f"worker0@{socket.gethostname()}",
                "--timeout",
                "30",
            ],
            env=ts.stack.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "worker0@" in out.stdout
        if command == "stats":
            assert '"transport": "redis"' in out.stdout
    workers = httpx.get(f"{flower}/api/workers", params={"refresh": 1}, timeout=20).json()
    name = next(iter(workers))
    assert workers[name]["stats"]["broker"]["transport"] == "redis"
    page = httpx.get(f"{flower}/worker/{name}", timeout=20)
    assert page.status_code == 200 and "Unable to get stats" not in page.text
    broker = httpx.get(f"{flower}/broker", timeout=20)
    assert broker.status_code == 200 and "not supported" not in broker.text
    assert "downloads" in broker.text
    errors = [line for line in ts.log("worker0").splitlines() if "ERROR" in line]
    assert errors == []
