"""GET /metrics on two API processes and prefork workers, and the JSON logs they all write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from roundhouse.cli.stack import Stack, free_port
from tests.conftest import Fakes
from tests.helpers import wait_for, wait_state
from tests.stacks import TestStack, start_stack
from tests.wsclient import Live

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def ops(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestStack, str]]:
    """One download slot, a token, JSON logs, and a second API process on the same Redis."""
    env = {
        **fakes.env(),
        "ROUNDHOUSE_OLLAMA_MAX_PULLS": "1",
        "ROUNDHOUSE_API_TOKEN": TOKEN,
        "ROUNDHOUSE_LOG_FORMAT": "json",
    }
    ts = start_stack(tmp_path_factory.mktemp("ops"), redis_base, env=env, concurrency=3)
    second = ts.stack.start_api(free_port(), name="api2")
    yield ts, second
    ts.stop()


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers=AUTH, timeout=20)


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    r = httpx.get(f"{url}/metrics", headers=AUTH, timeout=20)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


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
    watcher = Live(
        second.replace("http", "ws") + "/ws",
        {"subscribe": "all"},
        Authorization=AUTH["Authorization"],
    )
    try:
        ok = [demo(one), demo(two), demo(one)]
        failed = demo(two, fail_at=2)
        long = demo(one, steps=10_000, interval=0.05)
        wait_state(ts, long, {"running"}, headers=AUTH)
        one.post(f"/api/jobs/{long}/cancel")
        for job_id in [*ok, failed, long]:
            wait_state(ts, job_id, {"succeeded", "failed", "cancelled"}, headers=AUTH)
        fakes.ollama.publish({"m-a": [2_000_000, 100], "m-b": [300_000, 100], "m-c": [200_000]})
        saved = fakes.ollama.tick, fakes.ollama.bytes_per_tick
        # m-a crawls (its 2 MB would take ~100 s) until the two behind it were counted waiting:
        # a fixed ~1 s pull could end before a loaded machine got to the scrape
        fakes.ollama.tick, fakes.ollama.bytes_per_tick = 0.05, 1_000
        try:
            pulls = [
                one.post("/api/providers/models/download", json={"model": m}).json()["id"]
                for m in ("m-a", "m-b", "m-c")
            ]
            wait_state(ts, pulls[0], {"running"}, headers=AUTH)
            waiting = scrape(second)
            fakes.ollama.bytes_per_tick = 100_000
            results = [
                wait_state(ts, p, {"succeeded", "failed"}, timeout=60, headers=AUTH) for p in pulls
            ]
        finally:
            fakes.ollama.tick, fakes.ollama.bytes_per_tick = saved
        # each API process publishes its own gauges every 2 s: wait for both to have done so
        answers = wait_for(lambda: published(ts.url, second), 30, what="both processes' gauges")
    finally:
        watcher.close()
    pool = f"ollama:127.0.0.1:{fakes.ollama.port}"
    assert value(waiting, "roundhouse_pulls_waiting", pool=pool) == 2
    assert all(r["state"] == "succeeded" for r in results)
    for samples in answers:
        assert value(samples, "roundhouse_jobs_started_total", kind="demo.count") == 5
        assert (
            value(samples, "roundhouse_jobs_finished_total", kind="demo.count", state="succeeded")
            == 3
        )
        assert (
            value(samples, "roundhouse_jobs_finished_total", kind="demo.count", state="failed") == 1
        )
        assert (
            value(samples, "roundhouse_jobs_finished_total", kind="demo.count", state="cancelled")
            == 1
        )
        assert value(samples, "roundhouse_job_duration_seconds_count", kind="demo.count") == 5
        assert (
            value(samples, "roundhouse_jobs_finished_total", kind="ollama.pull", state="succeeded")
            == 3
        )
        assert value(samples, "roundhouse_downloaded_bytes_total", kind="ollama.pull") == sum(
            r["result"]["downloaded"] for r in results
        )
        assert value(samples, "roundhouse_queue_depth", queue="default") == 0
        clients = {
            dict(k[1])["process"]: v for k, v in samples.items() if k[0] == "roundhouse_ws_clients"
        }
        assert len(clients) == 2 and sorted(clients.values()) == [0, 1]
        lagged = [v for k, v in samples.items() if k[0] == "roundhouse_relay_lag_ms_count"]
        assert sorted(lagged)[-1] > 0
    assert answers[0] == answers[1] or _same_counts(answers[0], answers[1])


def published(*urls: str) -> list[dict] | None:
    """Each process's scrape, once both API processes' gauges (clients, relay lag) are in."""
    answers = [scrape(url) for url in urls]
    for samples in answers:
        clients = [v for k, v in samples.items() if k[0] == "roundhouse_ws_clients"]
        lagged = [v for k, v in samples.items() if k[0] == "roundhouse_relay_lag_ms_count"]
        if sorted(clients) != [0, 1] or not lagged or max(lagged) <= 0:
            return None
    return answers


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
        assert wait_state(ts, job_id, {"succeeded", "failed"}, headers=AUTH)["state"] == "succeeded"
    assert value(scrape(ts.url), "roundhouse_queue_depth", queue="default") == 0


def json_lines(text: str) -> list[dict]:
    """Every non-empty line must be one JSON object with the common fields."""
    out = []
    for line in text.splitlines():
        if line.strip():
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= set(entry), line
            out.append(entry)
    return out


def test_json_logs_parse_line_by_line_and_the_access_log_keeps_no_secret(ops) -> None:  # type: ignore[no-untyped-def]
    ts, second = ops
    api = client(second)
    job_id = demo(api)
    assert api.get("/api/jobs", params={"limit": 5, "token": "query-secret-x"}).status_code == 200
    wait_state(ts, job_id, {"succeeded"}, headers=AUTH)
    wait_for(lambda: job_id in ts.log("worker0"), 30, what="the worker's lines for the job")
    texts = {name: ts.log(name) for name in ("api", "api2", "worker0")}
    for name, text in texts.items():
        assert TOKEN not in text and "query-secret-x" not in text, name
    worker = json_lines(texts["worker0"])
    mine = [e for e in worker if e.get("job_id") == job_id]
    assert mine and all(e["kind"] == "demo.count" and e["host"] for e in mine)
    access = [e for e in json_lines(texts["api2"]) if e["logger"] == "roundhouse.access"]
    posted = [e for e in access if e["method"] == "POST" and e["path"] == "/api/jobs"]
    assert posted and posted[0]["status"] == 202 and posted[0]["ms"] >= 0
    listed = [e for e in access if e["method"] == "GET" and e["path"] == "/api/jobs"]
    assert listed and "?" not in listed[0]["message"]
    assert any(e["logger"].startswith("gunicorn") for e in json_lines(texts["api"]))


def test_roundhouse_up_logs_json_lines_too(ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ts, _ = ops
    port = free_port()
    env = {**ts.stack.env, "ROUNDHOUSE_DATA_DIR": str(tmp_path), "ROUNDHOUSE_PORT": str(port)}
    out = tmp_path / "up.log"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "roundhouse.cli.main", "up"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while "Roundhouse is up" not in out.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, out.read_text()
                time.sleep(0.2)
            Stack(tmp_path).wait_worker(f"http://127.0.0.1:{port}", timeout=90)  # then Ctrl-C
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    entries = json_lines(out.read_text())
    said = [e["message"] for e in entries if e["logger"] == "roundhouse.up"]
    assert any(m.startswith("Roundhouse is up") for m in said)
    assert said[-1] == "Stopped; nothing left running."
    assert {e["logger"].split(".")[0] for e in entries} >= {"roundhouse", "gunicorn", "celery"}


def test_the_container_healthcheck_sees_this_machines_worker(ops) -> None:  # type: ignore[no-untyped-def]
    ts, _ = ops
    argv = [sys.executable, "-m", "roundhouse.tasks.healthcheck"]
    ok = subprocess.run(argv, env=ts.stack.env, capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0 and "worker0" not in ok.stdout and "@" in ok.stdout, ok.stdout
    other = {**ts.stack.env, "REDIS_URL": ts.redis_url.rsplit("/", 1)[0] + "/63"}
    empty = subprocess.run(argv, env=other, capture_output=True, text=True, timeout=30)
    assert empty.returncode == 1 and "no worker" in empty.stdout
