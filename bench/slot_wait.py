"""python -m bench.slot_wait: what a pull waiting for a download slot costs Celery.

Six pulls on one Ollama with one slot (ROUNDHOUSE_OLLAMA_MAX_PULLS=1), each ~3 s of download
from a fake Ollama process, one prefork worker with 3 processes. Counted from the worker's log:
task deliveries per pull ("Task ... received"; Flower counted each as a received task), and the
hand-off: a pull ending (`finished_at`) to the next one claimed (`started_at`). Roundhouse's
choice (retry every `wait_retry_s` = 5 s, woken at once when a slot frees) against, in the same
run, the same code retrying every 1 s, the old cadence (a new delivery each second).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._stack import own_stack
from bench.stats import pct, table
from roundhouse.cli.stack import free_port, wait_port

PULLS, SIZE = 6, 3_000_000


def run(tmp: Path, retry_s: float) -> dict[str, float]:
    port = free_port()
    names = [f"wait-{i}" for i in range(PULLS)]
    registry = json.dumps({n: [SIZE, 100] for n in names})
    fake = [sys.executable, "-m", "tests.fakes.ollama", "--port", str(port), "--tick", "0.1"]
    fake += ["--bytes-per-tick", str(100_000), "--registry", registry]
    stack = own_stack(tmp, ROUNDHOUSE_OLLAMA_MAX_PULLS="1", ROUNDHOUSE_WAIT_RETRY_S=str(retry_s))
    try:
        stack.env["OLLAMA_BASE_URL"] = f"http://127.0.0.1:{port}"
        wait_port(port, proc=stack._spawn("ollama", fake))
        stack.start_worker(concurrency=3)
        url = stack.start_api(free_port())
        stack.wait_worker(url)
        jobs = [pull(url, n) for n in names]
        done = [wait(url, j) for j in jobs]
        log = (stack.logs / "worker.log").read_text()
    finally:
        stack.stop()
    received = sum(log.count(f"[{j}] received") for j in jobs)
    ordered = sorted(done, key=lambda j: j["started_at"])
    pairs = zip(ordered, ordered[1:], strict=False)
    handoffs = [b["started_at"] - a["finished_at"] for a, b in pairs]
    return {
        "deliveries": received / PULLS,
        "handoff_p50": pct(handoffs, 50) * 1000,
        "handoff_max": max(handoffs) * 1000,
        "total": ordered[-1]["finished_at"] - ordered[0]["created_at"],
        "attempts": sum(j["attempts"] for j in done) / PULLS,
    }


def pull(url: str, model: str) -> str:
    r = httpx.post(f"{url}/api/providers/models/download", json={"model": model}, timeout=10)
    r.raise_for_status()
    return r.json()["id"]


def wait(url: str, job_id: str) -> dict:
    while (job := httpx.get(f"{url}/api/jobs/{job_id}").json())["state"] in ("queued", "running"):
        time.sleep(0.05)
    assert job["state"] == "succeeded", job
    return job


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-slot-") as tmp:
        ours = run(Path(tmp) / "ours", 5.0)
        base = run(Path(tmp) / "base", 1.0)
    rows = [("figure", "retry 5 s + wake (Roundhouse)", "retry 1 s (old cadence)")]
    rows += [
        ("task deliveries per pull", f"{ours['deliveries']:.1f}", f"{base['deliveries']:.1f}"),
        ("claims per pull (attempts)", f"{ours['attempts']:.1f}", f"{base['attempts']:.1f}"),
        (
            "hand-off p50 / max (ms)",
            f"{ours['handoff_p50']:.0f} / {ours['handoff_max']:.0f}",
            f"{base['handoff_p50']:.0f} / {base['handoff_max']:.0f}",
        ),
        ("six pulls, first POST to last done (s)", f"{ours['total']:.1f}", f"{base['total']:.1f}"),
        ("deliveries ratio (ours / old)", f"{ours['deliveries'] / base['deliveries']:.2f}", "1.00"),
    ]
    print(table(rows))


if __name__ == "__main__":
    main()
