"""GET /metrics on two API processes and prefork workers, and the JSON logs they all write."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from roundhouse.cli.stack import free_port
from tests.conftest import Fakes
from tests.stacks import TestStack, start_stack
from tests.wsclient import Live

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def ops(redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[TestStack, str]]:
    """One download slot, a token, JSON logs, and a second API process on the same Redis."""
    env = {**fakes.env(), "ROUNDHOUSE_OLLAMA_MAX_PULLS": "1", "ROUNDHOUSE_API_TOKEN": TOKEN,
           "ROUNDHOUSE_LOG_FORMAT": "json"}
    ts = start_stack(tmp_path_factory.mktemp("ops"), redis_base, env=env, concurrency=3)
    second = ts.stack.start_api(free_port(), name="api2")
    yield ts, second
    ts.stop()


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers=AUTH, timeout=20)


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    r = httpx.get(f"{url}/metrics", headers=AUTH, timeout=20)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def demo(api: httpx.Client, **params: object) -> str:
    body = {"kind": "demo.count", "params": {"steps": 3, "interval": 0.01, **params}}
    r = api.post("/api/jobs", json=body)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_metrics_count_the_jobs_run_whichever_api_process_answers(ops, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    ts, second = ops
    assert httpx.get(f"{ts.url}/metrics").status_code == 401  # protected like other reads
    one, two = client(ts.url), client(second)
    watcher = Live(second.replace("http", "ws") + "/ws", {"subscribe": "all"},
                   Authorization=AUTH["Authorization"])
    try:
        ok = [demo(one), demo(two), demo(one)]
        failed = demo(two, fail_at=2)
        long = demo(one, steps=10_000, interval=0.05)
        wait_state_auth(ts, long, {"running"})
        one.post(f"/api/jobs/{long}/cancel")
        for job_id in [*ok, failed, long]:
            wait_state_auth(ts, job_id, {"succeeded", "failed", "cancelled"})
        fakes.ollama.publish({"m-a": [2_000_000, 100], "m-b": [300_000, 100], "m-c": [200_000]})
        saved = fakes.ollama.tick, fakes.ollama.bytes_per_tick
        fakes.ollama.tick, fakes.ollama.bytes_per_tick = 0.05, 100_000  # m-a takes ~1 s
        try:
            pulls = [one.post("/api/providers/models/download", json={"model": m}).json()["id"]
                     for m in ("m-a", "m-b", "m-c")]
            wait_state_auth(ts, pulls[0], {"running"})
            waiting = scrape(second)
            results = [wait_state_auth(ts, p, {"succeeded", "failed"}, timeout=60)
                       for p in pulls]
        finally:
            fakes.ollama.tick, fakes.ollama.bytes_per_tick = saved
        time.sleep(2.5)  # each API process publishes its own gauges every 2 s
        answers = [scrape(ts.url), scrape(second)]
    finally:
        watcher.close()
    pool = f"ollama:127.0.0.1:{fakes.ollama.port}"
    assert value(waiting, "roundhouse_pulls_waiting", pool=pool) == 2
    assert all(r["state"] == "succeeded" for r in results)
    for samples in answers:
        assert value(samples, "roundhouse_jobs_started_total", kind="demo.count") == 5
        assert value(samples, "roundhouse_jobs_finished_total", kind="demo.count",
                     state="succeeded") == 3
        assert value(samples, "roundhouse_jobs_finished_total", kind="demo.count",
                     state="failed") == 1
        assert value(samples, "roundhouse_jobs_finished_total", kind="demo.count",
                     state="cancelled") == 1
        assert value(samples, "roundhouse_job_duration_seconds_count", kind="demo.count") == 5
        assert value(samples, "roundhouse_jobs_finished_total", kind="ollama.pull",
                     state="succeeded") == 3
        assert value(samples, "roundhouse_downloaded_bytes_total", kind="ollama.pull") == sum(
            r["result"]["downloaded"] for r in results)
        assert value(samples, "roundhouse_queue_depth", queue="default") == 0
        clients = {dict(k[1])["process"]: v for k, v in samples.items()
                   if k[0] == "roundhouse_ws_clients"}
        assert len(clients) == 2 and sorted(clients.values()) == [0, 1]
        lagged = [v for k, v in samples.items() if k[0] == "roundhouse_relay_lag_ms_count"]
        assert sorted(lagged)[-1] > 0
    assert answers[0] == answers[1] or _same_counts(answers[0], answers[1])


def _same_counts(a: dict, b: dict) -> bool:
    keep = ("roundhouse_jobs_", "roundhouse_job_duration", "roundhouse_downloaded")
    pick = lambda s: {k: v for k, v in s.items() if k[0].startswith(keep)}  # noqa: E731
    return pick(a) == pick(b)


def test_queue_depth_counts_messages_no_worker_has_taken(ops) -> None:  # type: ignore[no-untyped-def]
    ts, second = ops
    ts.stack.stop("worker0")
    api = client(ts.url)
    queued = [demo(api), demo(api)]
    assert value(scrape(second), "roundhouse_queue_depth", queue="default") == 2
    ts.stack.start_worker(name="worker0", concurrency=3)
    for job_id in queued:
        assert wait_state_auth(ts, job_id, {"succeeded", "failed"})["state"] == "succeeded"
    assert value(scrape(ts.url), "roundhouse_queue_depth", queue="default") == 0


def wait_state_auth(ts: TestStack, job_id: str, states: set[str], timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{ts.url}/api/jobs/{job_id}", headers=AUTH, timeout=10).json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} still {job['state']}")
