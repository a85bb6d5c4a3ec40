"""python -m bench.pull: what an Ollama pull costs Roundhouse, against a fake Ollama at full speed.

A fake Ollama process streams pull progress with no delay between lines (tick=0), one line per
`--chunk` bytes, as fast as loopback allows. Measured for pulls through Roundhouse (API ->
Celery worker -> Redis): job events per second reaching Redis (the worker throttles to 10/s
however fast Ollama streams) and the worker's CPU seconds per GB pulled. Baseline in the same
run: a bare process that only reads the same stream (httpx + json per line) and nothing else.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bench._stack import own_stack
from bench.stats import table
from roundhouse.cli.stack import Stack, free_port, wait_port
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect

GB = 1_000_000_000
READER = """
import json, sys, time, httpx
began = time.process_time(); lines = 0
with httpx.stream("POST", sys.argv[1] + "/api/pull", json={"model": sys.argv[2]},
                  timeout=None) as r:
    for line in r.iter_lines():
        if line.strip():
            json.loads(line); lines += 1
print(json.dumps({"cpu": time.process_time() - began, "lines": lines}))
"""


def cpu(pid: int) -> float:
    """User + system seconds of a process and its children (the worker's pool processes)."""
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        t = p.cpu_times()
        total += t.user + t.system
    return total


def start(tmp: Path, args: argparse.Namespace, names: list[str]) -> tuple[Stack, str, str]:
    port = free_port()
    registry = {n: [args.gb * GB, 1_429, 96] for n in names}
    fake = [sys.executable, "-m", "tests.fakes.ollama", "--port", str(port), "--tick", "0"]
    fake += ["--bytes-per-tick", str(args.chunk), "--registry", json.dumps(registry)]
    stack = own_stack(tmp)
    stack.env["OLLAMA_BASE_URL"] = ollama = f"http://127.0.0.1:{port}"
    wait_port(port, proc=stack._spawn("ollama", fake))
    stack.start_worker(concurrency=1, queues="downloads", loglevel="WARNING")
    url = stack.start_api(free_port())
    stack.wait_worker(url)
    return stack, url, ollama


def through_roundhouse(stack: Stack, url: str, model: str) -> dict[str, float]:
    worker = stack.procs["worker"].pid
    before = cpu(worker)
    job = httpx.post(f"{url}/api/providers/models/download", json={"model": model}).json()
    while (job := httpx.get(f"{url}/api/jobs/{job['id']}").json())["state"] not in (
        "succeeded",
        "failed",
        "cancelled",
    ):
        time.sleep(0.05)
    assert job["state"] == "succeeded", job
    used = cpu(worker) - before
    store = JobStore(connect(stack.env["REDIS_URL"]), Keys("rh:"))
    events = [json.loads(e) for e in store.events(job["id"])]
    progress = [e["ts"] for e in events if e.get("event") == "progress"]
    moving = [
        e["ts"] for e in events if e.get("event") == "progress" and e.get("stage") == "downloading"
    ]
    elapsed = job["finished_at"] - job["started_at"]
    steady = (len(moving) - 1) / (moving[-1] - moving[0]) if len(moving) > 2 else float("nan")
    return {
        "cpu": used,
        "events": len(events),
        "rate": len(progress) / elapsed,
        "steady": steady,
        "elapsed": elapsed,
    }


def bare_reader(ollama: str, model: str) -> dict[str, float]:
    began = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", READER, ollama, model], capture_output=True, text=True, check=True
    )
    return {**json.loads(out.stdout), "elapsed": time.monotonic() - began}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gb", type=int, default=16, help="model size in GB (virtual bytes)")
    parser.add_argument("--chunk", type=int, default=128 * 1024, help="bytes per progress line")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    names = [f"bench-{kind}-{i}" for i in range(args.runs) for kind in ("rh", "bare")]
    with tempfile.TemporaryDirectory(prefix="bench-pull-") as tmp:
        stack, url, ollama = start(Path(tmp), args, names)
        try:
            rh = [through_roundhouse(stack, url, f"bench-rh-{i}") for i in range(args.runs)]
            bare = [bare_reader(ollama, f"bench-bare-{i}") for i in range(args.runs)]
        finally:
            stack.stop()
    report(args, rh, bare)


def report(args: argparse.Namespace, rh: list[dict], bare: list[dict]) -> None:
    med = lambda rows, k: sorted(r[k] for r in rows)[len(rows) // 2]  # noqa: E731
    lines = med(bare, "lines")
    rate, steady = max(r["rate"] for r in rh), max(r["steady"] for r in rh)
    rh_cpu, bare_cpu = med(rh, "cpu") / args.gb, med(bare, "cpu") / args.gb
    rows = [
        ("figure", "value", "note"),
        (
            "Ollama progress lines per pull",
            f"{lines:.0f}",
            f"{args.gb} GB, one line per {args.chunk // 1024} KiB, tick=0",
        ),
        (
            "Ollama lines/s (bare reader)",
            f"{lines / med(bare, 'elapsed'):.0f}",
            "as fast as loopback",
        ),
        ("job events/s while downloading (worst)", f"{steady:.1f}", "throttle target <= 10"),
        (
            "job progress events/s, whole pull (worst)",
            f"{rate:.1f}",
            f"stage changes always sent; pull took {med(rh, 'elapsed'):.1f} s",
        ),
        ("job events per pull (median)", f"{med(rh, 'events'):.0f}", "incl. created/state/stages"),
        ("worker CPU s per GB", f"{rh_cpu:.3f}", f"median of {args.runs}"),
        ("bare reader CPU s per GB (baseline)", f"{bare_cpu:.3f}", "httpx + json.loads only"),
        ("Roundhouse / baseline CPU", f"{rh_cpu / bare_cpu:.2f}x", "same stream, same run"),
    ]
    print(table(rows))


if __name__ == "__main__":
    main()
