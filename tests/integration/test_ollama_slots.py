"""Download slots on a stack of its own (one pull at a time per Ollama, three worker processes)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Fakes
from tests.helpers import wait_for, wait_state
from tests.stacks import TestStack, start_stack

PULL = "/api/providers/models/download"


@pytest.fixture(scope="module")
def one_slot(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    env = {**fakes.env(), "ROUNDHOUSE_OLLAMA_MAX_PULLS": "1"}
    ts = start_stack(tmp_path_factory.mktemp("slots"), redis_base, env=env, concurrency=3)
    yield ts
    ts.stop()


@pytest.fixture
def slow(fakes: Fakes) -> Iterator:  # type: ignore[type-arg]
    saved = fakes.ollama.tick, fakes.ollama.bytes_per_tick
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = 0.05, 256 * 1024
    yield fakes.ollama
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = saved


def pull(stack: TestStack, model: str) -> dict:
    r = httpx.post(f"{stack.url}{PULL}", json={"model": model}, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()


def get(stack: TestStack, job_id: str) -> dict:
    return httpx.get(f"{stack.url}/api/jobs/{job_id}").json()


def test_the_second_pull_waits_queued_with_its_place_then_runs(one_slot: TestStack, slow) -> None:  # type: ignore[no-untyped-def]
    slow.publish({"slot-a": [16_000_000, 100], "slot-b": [1_000_000, 100]})
    slow.bytes_per_tick = 1_000  # a crawls until b was looked at (a ~3 s pull once ended first)
    a, b = pull(one_slot, "slot-a"), pull(one_slot, "slot-b")
    assert b["message"] == "Waiting for a download slot (1st in line)"
    wait_state(one_slot, a["id"], {"running"})
    looked_at = f"[{b['id']}] retry:"  # a worker took b, found no slot and put it back in line
    wait_for(lambda: looked_at in one_slot.log("worker0"), 60, what="a worker looking at b")
    waiting = get(one_slot, b["id"])
    assert waiting["state"] == "queued" and waiting["place"] == 1
    assert waiting["message"] == "Waiting for a download slot (1st in line)"
    assert get(one_slot, a["id"])["state"] == "running"
    slow.bytes_per_tick = 256 * 1024
    first = wait_state(one_slot, a["id"], {"succeeded", "failed"}, timeout=60)
    second = wait_state(one_slot, b["id"], {"succeeded", "failed"}, timeout=60)
    assert first["state"] == second["state"] == "succeeded"
    # waiting is not running: b was claimed once, when its turn came
    assert second["attempts"] == 1
    states = [json.loads(e)["state"] for e in one_slot.store().events(b["id"])]
    assert states.index("running") > max(i for i, s in enumerate(states) if s == "queued")
    downloading = [
        json.loads(e) for e in one_slot.store().events(b["id"]) if '"stage":"downloading"' in e
    ]
    assert downloading and downloading[0]["ts"] >= first["finished_at"] - 0.01
    assert (
        one_slot.store().r.zcard(one_slot.store().keys.slots(f"ollama:127.0.0.1:{slow.port}")) == 0
    )


def test_a_killed_workers_slot_does_not_leak(one_slot: TestStack, slow) -> None:  # type: ignore[no-untyped-def]
    slow.publish({"slot-crash": [20_000_000, 100], "slot-after": [500_000, 100]})
    crash = pull(one_slot, "slot-crash")
    wait_state(one_slot, crash["id"], {"running"})
    after = pull(one_slot, "slot-after")
    one_slot.stack.stop("worker0", sig=signal.SIGKILL)
    one_slot.stack.start_worker(name="worker0", concurrency=3)
    slow.tick, slow.bytes_per_tick = 0.01, 4 * 1024 * 1024
    done = wait_state(one_slot, after["id"], {"succeeded", "failed"}, timeout=90)
    assert done["state"] == "succeeded"
    again = wait_state(one_slot, crash["id"], {"succeeded", "failed"}, timeout=90)
    assert again["state"] == "succeeded" and again["attempts"] >= 2
