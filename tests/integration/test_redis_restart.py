"""Redis restarted mid-job: nothing promised is lost; the worker, the relay and a watching
client carry on when it is back (AOF persistence keeps the job)."""

from __future__ import annotations

from pathlib import Path

import httpx

from roundhouse.cli.stack import Stack
from tests.helpers import start_demo, wait_state
from tests.stacks import TestStack, start_stack
from tests.wsclient import Live, final


def answers_503_at_once(ts: TestStack) -> None:
    """With Redis gone, calls answer 503 redis_unavailable at once instead of hanging: the API's
    quick client gives up within ~1.5 s, a patient one would wait ~30 s; 10 s tells them apart
    on a loaded machine too (3 s did not leave room for a starved API process)."""
    with httpx.Client(base_url=ts.url, timeout=10.0) as client:  # a hang raises ReadTimeout
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["redis"]["ok"] is False
        demo = {"kind": "demo.count", "params": {"steps": 2}}
        for r in (client.get("/api/jobs"), client.post("/api/jobs", json=demo)):
            assert r.status_code == 503, r.text
            assert r.json()["error"] == "redis_unavailable" and "Redis" in r.json()["hint"]


def test_job_survives_a_redis_restart(own_redis: tuple[Stack, int], tmp_path: Path) -> None:
    redis_stack, port = own_redis
    ts: TestStack = start_stack(tmp_path / "stack", f"redis://127.0.0.1:{port}")
    try:
        job_id = start_demo(ts, steps=80, interval=0.05)
        live = Live(ts.ws_url, {"subscribe": [job_id], "after": {job_id: 0}})
        seen = [live.recv()["seq"] for _ in range(5)]
        redis_stack.stop("redis")  # SIGTERM: Redis writes its AOF and exits
        answers_503_at_once(ts)
        redis_stack.start_redis(port=port)
        seen += [f["seq"] for f in live.until(final, timeout=60)]
        live.close()
        job = wait_state(ts, job_id, {"succeeded", "failed"}, timeout=60)
        assert job["state"] == "succeeded" and job["done"] == 80
        assert seen == sorted(set(seen)), "no event twice, in order"
        assert httpx.get(f"{ts.url}/healthz").json()["redis"]["ok"]
    finally:
        ts.stop()
