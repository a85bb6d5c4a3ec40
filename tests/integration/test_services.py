"""Local services as real processes through the real API, worker and Redis.

One stack for the module; its settings point every catalog service at tests.fakes.service on
its own free port, in the mode a test needs. Every process started here is stopped at the end.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services import pids
from tests.fakes.service import running
from tests.helpers import free_port, wait_for, wait_state
from tests.stacks import TestStack, start_stack
from tests.wsclient import Live

HOST = "it-services-a"
FAKE = f"{sys.executable} -m tests.fakes.service"
# a start must be healthy by then: the fake takes ~0.4 s quiet, seconds at load 16 (it was 6)
DEADLINE_S = 15


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("flux", "vision", "compat", "ollama", "lmstudio")}


@pytest.fixture(scope="module")
def svc_stack(
    redis_base: str, ports: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    env = {
        "ROUNDHOUSE_HOSTNAME": HOST,
        "ROUNDHOUSE_SERVICE_START_DEADLINE_S": str(DEADLINE_S),
        "ROUNDHOUSE_FLUX_COMMAND": f"{FAKE} --port {ports['flux']} --mode ok --delay 0.2",
        "FLUX_API_URL": f"http://127.0.0.1:{ports['flux']}",
        "ROUNDHOUSE_VISION_COMMAND": f"{FAKE} --port {ports['vision']} --mode exit",
        "LOCAL_VISION_API_URL": f"http://127.0.0.1:{ports['vision']}",
        "ROUNDHOUSE_COMPAT_COMMAND": f"{FAKE} --port {ports['compat']} --mode never-healthy",
        "ROUNDHOUSE_COMPAT_BASE_URL": f"http://127.0.0.1:{ports['compat']}/v1",
        "ROUNDHOUSE_OLLAMA_COMMAND": "ollama-not-installed-here serve",
        "OLLAMA_BASE_URL": f"http://127.0.0.1:{ports['ollama']}",
        "ROUNDHOUSE_LMSTUDIO_COMMAND": f"{FAKE} --port {ports['lmstudio']} --mode ok",
        "LMSTUDIO_BASE_URL": f"http://127.0.0.1:{ports['lmstudio']}",
        # no fake here hangs, so this bound only matters for a starved one (load 16): not 1 s
        "ROUNDHOUSE_HEALTH_TIMEOUT_S": "5",
    }
    ts = start_stack(tmp_path_factory.mktemp("services"), redis_base, env=env)
    try:
        yield ts
    finally:
        stop_everything(ts)
        ts.stop()


def stop_everything(ts: TestStack) -> None:
    """Stop through the API, then make sure no process group we started survives."""
    for name in ("flux", "vision", "openai-compatible", "ollama", "lmstudio"):
        try:
            r = httpx.post(f"{ts.url}/api/providers/services/stop", json={"service": name})
            if r.status_code == 202:
                wait_state(ts, r.json()["id"], {"succeeded", "failed", "cancelled"}, timeout=30)
        except (httpx.HTTPError, TimeoutError):
            pass
    store = ServiceStore(connect(ts.redis_url), Keys(ts.prefix))
    for entry in store.all(HOST).values():
        record = entry.get("record") or {}
        if record.get("keeper_pid") and pids.group_members(int(record["keeper_pid"])):
            os.killpg(int(record["keeper_pid"]), signal.SIGKILL)


def post(ts: TestStack, action: str, service: str, **extra: object) -> httpx.Response:
    body = {"service": service, **extra}
    return httpx.post(f"{ts.url}/api/providers/services/{action}", json=body, timeout=10)


def run(ts: TestStack, action: str, service: str) -> dict:
    r = post(ts, action, service)
    assert r.status_code == 202, r.text
    return wait_state(ts, r.json()["id"], {"succeeded", "failed", "cancelled"}, timeout=60)


def row(ts: TestStack, service: str) -> dict:
    body = httpx.get(f"{ts.url}/api/providers/services/status", timeout=10).json()
    return {r["service"]: r for r in body["services"]}[service]


def test_start_runs_it_records_it_and_stop_ends_it(svc_stack: TestStack) -> None:
    live = Live(svc_stack.ws_url, {"subscribe": "all"})
    try:
        job = run(svc_stack, "start", "flux")
        assert job["state"] == "succeeded", job
        result = job["result"]
        assert result["status"] == "started" and result["service"] == "flux"
        assert result["port"] and result["pid"] > 0 and result["host"] == HOST
        assert "ready on port" in result["message"]
        frames = live.until(lambda f: f.get("type") == "service" and f.get("state") == "running")
        assert any(f.get("state") == "starting" for f in frames if f.get("type") == "service")
        stages = [f.get("stage") for f in frames if f.get("id") == job["id"]]
        assert "launching" in stages
    finally:
        live.close()
    got = row(svc_stack, "flux")
    assert got["state"] == "running" and got["managed"] and got["pid"] == result["pid"]
    assert got["health"]["ok"] and got["uptime_s"] >= 0 and got["actions"]["stop"]
    assert pids.alive(result["pid"])

    again = run(svc_stack, "start", "flux")["result"]
    assert again["status"] == "already_running" and again["managed"] is True

    stopped = run(svc_stack, "stop", "flux")
    assert stopped["state"] == "succeeded" and stopped["result"]["was_running"] is True
    assert not pids.alive(result["pid"])
    assert row(svc_stack, "flux")["state"] == "stopped"
    twice = run(svc_stack, "stop", "flux")  # idempotent
    assert twice["state"] == "succeeded" and twice["result"]["was_running"] is False


def test_kill_9_of_a_running_service_shows_as_crashed(svc_stack: TestStack) -> None:
    pid = run(svc_stack, "start", "flux")["result"]["pid"]
    live = Live(svc_stack.ws_url, {"subscribe": "all"})
    try:
        os.kill(pid, signal.SIGKILL)
        # nobody asks for the status: the worker's sweeper notices and tells every page
        frame = live.until(lambda f: f.get("type") == "service" and f.get("state") == "crashed")[-1]
    finally:
        live.close()
    assert frame["service"] == "flux" and frame["returncode"] == -9
    got = row(svc_stack, "flux")
    assert got["state"] == "crashed" and "SIGKILL" in got["message"]
    assert any("listening" in line for line in got["log_tail"])
    assert got["actions"] == {"start": True, "stop": False}
    assert run(svc_stack, "stop", "flux")["state"] == "succeeded"
    assert row(svc_stack, "flux")["state"] == "stopped"


def test_a_service_that_exits_at_once_fails_with_its_log(svc_stack: TestStack) -> None:
    job = run(svc_stack, "start", "vision")
    assert job["state"] == "failed" and "exited with code 3" in job["error"]
    assert "fatal: could not load the model" in job["error"]
    got = row(svc_stack, "vision")
    assert got["state"] == "crashed" and got["returncode"] == 3
    assert got["log_tail"][-2].endswith("fatal: could not load the model")


def test_never_healthy_fails_at_the_deadline_and_leaves_nothing(
    svc_stack: TestStack, ports: dict[str, int]
) -> None:
    job = run(svc_stack, "start", "openai-compatible")
    assert job["state"] == "failed"
    assert f"did not become healthy within {DEADLINE_S} s" in job["error"]
    got = wait_for(
        lambda: (r := row(svc_stack, "openai-compatible"))["state"] == "stopped" and r, 30
    )
    assert got["error"] and not pids.listeners(ports["compat"])


def test_missing_executable_says_how_to_install(svc_stack: TestStack) -> None:
    job = run(svc_stack, "start", "ollama")
    assert job["state"] == "failed" and "'ollama-not-installed-here' was not found" in job["error"]
    assert "https://ollama.com/download" in job["hint"]
    got = row(svc_stack, "ollama")
    assert got["state"] == "stopped" and "ollama.com" in got["hint"]


def test_port_taken_by_a_healthy_service_is_already_running_not_ours(
    svc_stack: TestStack, ports: dict[str, int]
) -> None:
    with running(ports["lmstudio"]):
        job = run(svc_stack, "start", "lmstudio")
        assert job["state"] == "succeeded", job
        assert job["result"]["status"] == "already_running"
        assert (
            job["result"]["managed"] is False
            and "not started by Roundhouse" in job["result"]["message"]
        )
        assert row(svc_stack, "lmstudio")["state"] == "external"
        r = post(svc_stack, "stop", "lmstudio")
        assert r.status_code == 409 and "not started by Roundhouse" in r.json()["message"]


def test_port_taken_by_something_unhealthy_is_an_error_naming_the_port(
    svc_stack: TestStack, ports: dict[str, int]
) -> None:
    port = ports["lmstudio"]
    with running(port, status=503):
        job = run(svc_stack, "start", "lmstudio")
    assert job["state"] == "failed" and f"port {port} is in use" in job["error"]


def test_unknown_service_is_a_400(svc_stack: TestStack) -> None:
    r = post(svc_stack, "start", "nginx")
    assert r.status_code == 400 and "known services" in r.json()["message"]


def test_two_starts_at_once_are_one_job(svc_stack: TestStack) -> None:
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(2)

    def press() -> None:
        barrier.wait()
        answers.append(post(svc_stack, "start", "flux"))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert sorted(a.json()["joined"] for a in answers) == [False, True]
    job = wait_state(svc_stack, answers[0].json()["id"], {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "succeeded"
    assert run(svc_stack, "stop", "flux")["result"]["was_running"] is True


def test_old_log_files_are_cleaned_up(svc_stack: TestStack) -> None:
    for _ in range(3):
        run(svc_stack, "start", "vision")  # fails at once: cheap
    folder = Path(svc_stack.stack.data_dir) / "services"
    logs = list(folder.glob("vision-*.log"))
    assert 1 <= len(logs) <= 6
