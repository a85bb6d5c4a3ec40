"""Ollama pulls end to end: the real API, Redis and Celery worker against the fake Ollama."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Fakes
from tests.fakes.ollama.state import RemoteModel, make_remote
from tests.helpers import wait_done, wait_for, wait_state
from tests.stacks import TestStack
from tests.wsclient import Live

PULL = "/api/providers/models/download"
KNOBS = (
    "tick",
    "bytes_per_tick",
    "retry_at",
    "retry_bytes",
    "retry_times",
    "fail_after",
    "fail_message",
    "fail_times",
)


@pytest.fixture
def ollama(fakes: Fakes) -> Iterator:  # type: ignore[type-arg]
    """The session's fake Ollama, its knobs put back after the test."""
    saved = {k: getattr(fakes.ollama, k) for k in KNOBS}
    yield fakes.ollama
    for k, v in saved.items():
        setattr(fakes.ollama, k, v)


def pull(stack: TestStack, model: str) -> dict:
    r = httpx.post(f"{stack.url}{PULL}", json={"provider": "ollama", "model": model}, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()


def events(stack: TestStack, job_id: str) -> list[dict]:
    return [json.loads(e) for e in stack.store().events(job_id)]


def never_backwards(evts: list[dict], field: str) -> bool:
    values = [e[field] for e in evts if e.get(field) is not None]
    return all(a <= b for a, b in zip(values, values[1:], strict=False))


def test_full_pull_progress_never_goes_backwards(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    ollama.publish({"it-full": [12_000_000, 1_429, 7_711, 96]})
    ollama.tick, ollama.bytes_per_tick = 0.02, 256 * 1024
    ollama.retry_at, ollama.retry_bytes, ollama.retry_times = 4_000_000, 1_500_000, 1
    job = pull(stack, "it-full")
    done = wait_state(stack, job["id"], {"succeeded", "failed"}, timeout=60)
    assert done["state"] == "succeeded", done
    assert done["result"]["model"] == "it-full:latest" and len(done["result"]["layers"]) == 5
    assert done["message"].startswith("Pulled it-full:latest")
    evts = events(stack, job["id"])
    assert never_backwards(evts, "progress") and never_backwards(evts, "done")
    stages = [e["stage"] for e in evts]
    for stage in ("manifest", "downloading", "verifying", "writing", "done"):
        assert stage in stages
    weights = done["result"]["layers"][0]["digest"]
    assert ollama.snapshot()["served"][weights] > 12_000_000  # the fake really rolled back
    assert "it-full:latest" in ollama.snapshot()["installed"]


def test_in_band_error_fails_the_job_with_ollamas_words(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    ollama.publish({"it-broken": [6_000_000, 100]})
    ollama.tick, ollama.bytes_per_tick = 0.02, 256 * 1024
    ollama.fail_after, ollama.fail_times = 2_000_000, 1
    ollama.fail_message = "max retries exceeded: unexpected EOF"
    job = wait_state(stack, pull(stack, "it-broken")["id"], {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "failed"
    assert "max retries exceeded: unexpected EOF" in job["error"]
    assert "network" in job["hint"] and "resume" in job["hint"]
    assert max(e.get("done") or 0 for e in events(stack, job["id"])) > 0


def test_unknown_model_fails_with_guidance(stack: TestStack) -> None:
    job = wait_state(stack, pull(stack, "it-no-such-model")["id"], {"succeeded", "failed"})
    assert job["state"] == "failed" and "file does not exist" in job["error"]
    assert "ollama.com/library" in job["hint"]


def test_cancel_closes_the_stream_and_the_next_pull_resumes(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    size = 8_000_000
    ollama.publish({"it-resume": [size, 100]})
    # ~12 s for the whole: the cancel lands mid-pull however slowly a loaded machine carries it
    ollama.tick, ollama.bytes_per_tick = 0.05, 32 * 1024
    cancelled_before = ollama.snapshot()["pulls_cancelled"]
    first = pull(stack, "it-resume")
    wait_done(stack, first["id"], 1_000_000)
    assert httpx.post(f"{stack.url}/api/jobs/{first['id']}/cancel").status_code == 200
    assert (
        wait_state(stack, first["id"], {"cancelled", "succeeded", "failed"})["state"] == "cancelled"
    )
    wait_for(
        lambda: ollama.snapshot()["pulls_cancelled"] > cancelled_before,
        what="Ollama saw the client go",
    )
    kept = max(ollama.snapshot()["partial"].values())
    assert kept >= 1_000_000

    ollama.tick, ollama.bytes_per_tick = 0.01, 512 * 1024
    second = pull(stack, "it-resume")
    assert second["id"] != first["id"]
    done = wait_state(stack, second["id"], {"succeeded", "failed"}, timeout=60)
    assert done["state"] == "succeeded", done
    weights = done["result"]["layers"][0]["digest"]
    assert ollama.snapshot()["served"][weights] <= size + 4 * 128 * 1024  # not fetched twice
    first_seen = [
        e["done"]
        for e in events(stack, second["id"])
        if e.get("stage") == "downloading" and e.get("done")
    ]
    assert first_seen and first_seen[0] >= 1_000_000 - 512 * 1024  # started where it stopped


def test_second_download_joins_the_running_pull(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    ollama.publish({"it-dedup": [4_000_000, 100]})
    # the first pull crawls until the second was answered (a ~1.6 s pull could end between them)
    ollama.tick, ollama.bytes_per_tick = 0.05, 1_000
    first = pull(stack, "it-dedup")
    second = pull(stack, "IT-DEDUP:latest")
    assert second["id"] == first["id"] and second["joined"] and not first["joined"]
    ollama.tick, ollama.bytes_per_tick = 0.01, 1024 * 1024
    assert (
        wait_state(stack, first["id"], {"succeeded", "failed"}, timeout=60)["state"] == "succeeded"
    )
    third = pull(stack, "it-dedup")  # finished: a new pull is a new job (up to date)
    assert third["id"] != first["id"]
    job = wait_state(stack, third["id"], {"succeeded", "failed"})
    assert job["result"]["up_to_date"] and job["message"] == "it-dedup:latest is up to date"


def test_sse_accept_streams_the_original_shape(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    ollama.publish({"it-sse": [3_000_000, 100]})
    ollama.tick, ollama.bytes_per_tick = 0.02, 256 * 1024
    with httpx.stream(
        "POST",
        f"{stack.url}{PULL}",
        json={"model": "it-sse"},
        headers={"Accept": "text/event-stream"},
        timeout=60,
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["X-Job-Id"]
        data = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    assert all(set(d) >= {"status", "progress", "message"} for d in data)
    assert data[-1]["status"] == "complete" and data[-1]["progress"] == 100.0
    assert "downloading" in {d["status"] for d in data}
    assert never_backwards(data, "progress")


def test_update_fetches_only_changed_layers(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    ollama.publish({"it-update": [2_000_000, 300_000, 100]})
    ollama.tick, ollama.bytes_per_tick = 0.01, 512 * 1024
    assert wait_state(stack, pull(stack, "it-update")["id"], {"succeeded"})["state"]
    ollama.update("it-update", changed=[1])
    r = httpx.post(f"{stack.url}/api/providers/models/check-updates", timeout=10)
    assert r.status_code == 202
    (job,) = [j for j in r.json()["jobs"] if j["params"]["model"] == "it-update:latest"]
    result = wait_state(stack, job["id"], {"succeeded", "failed"})["result"]
    assert not result["up_to_date"] and result["downloaded"] == 300_000 + 485


def test_uninstall_reaches_every_page_and_then_404(stack: TestStack, ollama) -> None:  # type: ignore[no-untyped-def]
    ollama.publish({"it-delete": [1000, 10]})
    ollama.state.preinstall(["it-delete"])
    live = Live(stack.ws_url, {"subscribe": "all"})
    assert live.recv()["type"] == "snapshot"
    r = httpx.delete(f"{stack.url}/api/providers/models/ollama/it-delete")
    assert r.status_code == 200
    frame = live.until(lambda f: f.get("type") == "models" and f["action"] == "deleted")[-1]
    live.close()
    assert frame["action"] == "deleted" and frame["model"] == "it-delete:latest"
    assert httpx.delete(f"{stack.url}/api/providers/models/ollama/it-delete").status_code == 404


def test_first_pull_finding_shared_layers_says_pulled_and_a_reinstall_updated(
    stack: TestStack, ollama
) -> None:  # type: ignore[no-untyped-def]
    a = make_remote("it-share-a", [3_000_000, 100])
    own = make_remote("it-share-b", [3_000_000, 200])
    b = RemoteModel(own.name, (a.layers[0], *own.layers[1:]))  # B shares A's weights
    ollama.publish({"it-share-a": a, "it-share-b": b})
    ollama.tick, ollama.bytes_per_tick = 0.01, 1024 * 1024
    assert (
        wait_state(stack, pull(stack, "it-share-a")["id"], {"succeeded", "failed"}, timeout=60)[
            "state"
        ]
        == "succeeded"
    )
    first = wait_state(stack, pull(stack, "it-share-b")["id"], {"succeeded", "failed"}, timeout=60)
    assert first["state"] == "succeeded", first
    assert first["message"].startswith("Pulled it-share-b:latest"), first["message"]
    assert "already on disk" in first["message"]

    ollama.update("it-share-b", changed=(1,))  # a new version of an installed model
    again = wait_state(stack, pull(stack, "it-share-b")["id"], {"succeeded", "failed"}, timeout=60)
    assert again["message"].startswith("Updated it-share-b:latest"), again["message"]
