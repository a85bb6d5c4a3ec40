"""Two switches, an install and a service start fired at once from several client threads:
the provider state is the last history entry's `to`, the version counts the switches, the
history holds every switch, the install succeeds and the service runs (stopped at the end).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services import pids
from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.ollama import FakeOllama
from tests.helpers import free_port, wait_state
from tests.stacks import TestStack, start_stack

HOST = "it-faults-concurrent"
DONE = {"succeeded", "failed", "cancelled"}
SWITCHES = [
    {"llm": {"provider": "ollama", "model": "llama3.2"}, "verify": False, "by": "ana"},
    {"llm": {"provider": "openai", "model": "gpt-4o"}, "verify": False, "by": "bob"},
]


@pytest.fixture
def own_stack(redis_base: str, fakes: Fakes, tmp_path: Path) -> Iterator[TestStack]:
    flux_port = free_port()
    env = {
        **fakes.env(),
        "ROUNDHOUSE_HOSTNAME": HOST,
        "ROUNDHOUSE_FLUX_COMMAND": f"{sys.executable} -m tests.fakes.service "
        f"--port {flux_port} --mode ok --delay 0.3",
        "FLUX_API_URL": f"http://127.0.0.1:{flux_port}",
    }
    with FakeOllama(installed=["llama3.2", "mistral"]) as ollama:
        ts = start_stack(tmp_path, redis_base, env={**env, "OLLAMA_BASE_URL": ollama.url})
        try:
            yield ts
        finally:
            stop_flux(ts)
            ts.stop()


def stop_flux(ts: TestStack) -> None:
    """Stop through the API; kill the process group if it somehow survived."""
    try:
        r = httpx.post(
            f"{ts.url}/api/providers/services/stop", json={"service": "flux"}, timeout=10
        )
        if r.status_code == 202:
            wait_state(ts, r.json()["id"], DONE, timeout=30)
    except (httpx.HTTPError, TimeoutError):
        pass
    for entry in ServiceStore(connect(ts.redis_url), Keys(ts.prefix)).all(HOST).values():
        keeper = (entry.get("record") or {}).get("keeper_pid")
        if keeper and pids.group_members(int(keeper)):
            os.killpg(int(keeper), signal.SIGKILL)


def fire_together(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Every call from its own thread, released at the same moment."""
    gate = threading.Barrier(len(calls))

    def go(call: Callable[[], httpx.Response]) -> httpx.Response:
        gate.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


def test_switches_install_and_service_start_at_once(own_stack: TestStack, fakes: Fakes) -> None:
    stamp = time.time_ns() % 10**10
    repo, name = f"faults/C{stamp}-GGUF", f"C{stamp}-Q4_K_M.gguf"
    fakes.hub.add_file(repo, name, gguf_bytes(300_000, name="concurrent"))
    url = own_stack.url

    def post(path: str, body: dict) -> Callable[[], httpx.Response]:
        return lambda: httpx.post(f"{url}{path}", json=body, timeout=60)

    calls = [post("/api/providers/switch", body) for body in SWITCHES]
    calls.append(
        post(
            "/api/providers/models/install",
            {"repo_id": repo, "quant": "Q4_K_M", "targets": ["lmstudio"]},
        )
    )
    calls.append(post("/api/providers/services/start", {"service": "flux"}))
    *switched, install, start = fire_together(calls)

    assert [r.status_code for r in switched] == [200, 200], [r.text for r in switched]
    assert sorted(r.json()["version"] for r in switched) == [1, 2]
    assert install.status_code == 202 and start.status_code == 202, (install.text, start.text)

    status = httpx.get(f"{url}/api/providers/status", timeout=10).json()
    history = httpx.get(f"{url}/api/providers/history", timeout=10).json()["history"]
    assert status["version"] == 2 == len(history)
    assert [h["version"] for h in history] == [2, 1]
    assert {h["by"] for h in history} == {"ana", "bob"}
    assert status["active"]["llm"] == history[0]["to"]["llm"]
    assert history[0]["from"]["llm"] == history[1]["to"]["llm"], "each switch saw the last"

    installed = wait_state(own_stack, install.json()["id"], DONE, timeout=120)
    assert installed["state"] == "succeeded", installed
    started = wait_state(own_stack, start.json()["id"], DONE, timeout=60)
    assert started["state"] == "succeeded", started
    rows = httpx.get(f"{url}/api/providers/services/status", timeout=10).json()["services"]
    flux = {r["service"]: r for r in rows}["flux"]
    assert flux["state"] == "running" and flux["health"]["ok"], flux
    assert httpx.get(f"{url}/api/providers/status", timeout=10).json()["version"] == 2
