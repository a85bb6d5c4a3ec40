"""The "Local service status" grid in real Chromium: Start, watch it turn green, Stop; a wrong
server on the port is named within seconds and ends the start early; a later start that works
clears the old error."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services import pids
from tests.e2e.page_tools import record_states, states_seen
from tests.fakes.service import running
from tests.helpers import free_port
from tests.stacks import TestStack, start_stack

HOST = "e2e-services"


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("flux", "vision", "compat")}


@pytest.fixture(scope="module")
def svc_stack(
    redis_base: str, ports: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    port = ports["flux"]
    env = {
        "ROUNDHOUSE_HOSTNAME": HOST,
        "ROUNDHOUSE_FLUX_COMMAND": f"{sys.executable} -m tests.fakes.service --port {port} "
        "--mode ok --delay 0.5",
        "FLUX_API_URL": f"http://127.0.0.1:{port}",
        "ROUNDHOUSE_VISION_COMMAND": f"{sys.executable} -m tests.fakes.service --port "
        f"{ports['vision']} --mode exit",
        "LOCAL_VISION_API_URL": f"http://127.0.0.1:{ports['vision']}",
        # a wrong server: Python's file server answers every API path with 404
        "ROUNDHOUSE_COMPAT_COMMAND": f"{sys.executable} -m http.server {ports['compat']} "
        "--bind 127.0.0.1",
        "ROUNDHOUSE_COMPAT_BASE_URL": f"http://127.0.0.1:{ports['compat']}/v1",
        "OLLAMA_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "LMSTUDIO_BASE_URL": f"http://127.0.0.1:{free_port()}",
        # no fake here hangs, so this bound only matters for a starved one (load 16): not 1 s
        "ROUNDHOUSE_HEALTH_TIMEOUT_S": "5",
    }
    ts = start_stack(tmp_path_factory.mktemp("services-e2e"), redis_base, env=env)
    try:
        yield ts
    finally:
        for entry in ServiceStore(connect(ts.redis_url), Keys(ts.prefix)).all(HOST).values():
            keeper = (entry.get("record") or {}).get("keeper_pid")
            if keeper and pids.group_members(int(keeper)):
                os.killpg(int(keeper), signal.SIGKILL)
        ts.stop()


def test_start_goes_green_then_stop(page: Page, svc_stack: TestStack) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{svc_stack.url}/static/services.html")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    flux = page.locator("#svc-flux")
    expect(flux).to_have_attribute("data-state", "stopped")
    expect(flux.locator(".port")).not_to_be_empty()
    record_states(page, "#svc-flux")
    flux.get_by_role("button", name="Start").click()
    expect(flux.locator(".badge")).to_have_class("badge ok", timeout=30_000)
    expect(flux).to_have_attribute("data-state", "running")
    seen = states_seen(page)  # "starting" lasts ~1 s: noted by the page, not polled for
    assert "starting" in seen and seen.index("starting") < seen.index("running"), seen
    expect(flux.locator(".uptime")).not_to_be_empty()
    expect(flux.get_by_role("button", name="Stop")).to_be_visible()

    page.reload()  # the state is the server's, not the page's
    expect(page.locator("#svc-flux")).to_have_attribute("data-state", "running")
    page.locator("#svc-flux").get_by_role("button", name="Stop").click()
    expect(page.locator("#svc-flux")).to_have_attribute("data-state", "stopped", timeout=30_000)
    expect(page.locator("#svc-flux").get_by_role("button", name="Start")).to_be_visible()
    page.screenshot(path=str(svc_stack.stack.data_dir / "services.png"))
    assert errors == []


def test_a_failed_start_shows_the_reason_and_the_log_then_a_good_start_clears_it(
    page: Page, svc_stack: TestStack, ports: dict[str, int]
) -> None:
    page.goto(f"{svc_stack.url}/#/services")
    vision = page.locator("#svc-vision")
    vision.get_by_role("button", name="Start").click()
    expect(vision).to_have_attribute("data-state", "crashed", timeout=30_000)
    expect(vision.locator(".error")).to_contain_text("exited with code 3")
    expect(vision.locator(".error")).not_to_contain_text("fatal")  # first line only
    log = vision.locator(".log-tail")
    expect(log).to_be_hidden()  # folded behind "Show log"
    vision.get_by_text("Show log").click()
    expect(log).to_contain_text("fatal: could not load the model")
    status = httpx.get(f"{svc_stack.url}/api/providers/services/status").json()
    assert {r["service"]: r for r in status["services"]}["vision"]["state"] == "crashed"

    # the service comes up on its port after all: a start now succeeds and the old error goes
    with running(ports["vision"]):
        page.locator("#svc-vision").get_by_role("button", name="Start").click()
        expect(page.locator("#svc-vision")).to_have_attribute(
            "data-state", "external", timeout=30_000
        )
        expect(page.locator("#svc-vision .error")).to_have_count(0)
        expect(page.locator("#svc-vision .log-tail")).to_have_count(0)
        page.reload()
        expect(page.locator("#svc-vision")).to_have_attribute("data-state", "external")
        expect(page.locator("#svc-vision .error")).to_have_count(0)


def test_a_wrong_server_on_the_port_is_named_and_ends_the_start(
    page: Page, svc_stack: TestStack
) -> None:
    """The start ends on the wrong-server rule (a few seconds of 404s), not on the 60 s start
    deadline: the row's final error names the answer and says "some other server", which only
    that rule writes (the deadline writes "did not become healthy within 60 s")."""
    page.goto(f"{svc_stack.url}/#/services")
    row = page.locator("#svc-openai-compatible")
    row.get_by_role("button", name="Start").click()
    # the job's end as the page shows it: the error appears only once the start failed (a
    # start clears it), so no transient progress text is waited for
    expect(row.locator(".error")).to_contain_text("some other server", timeout=60_000)
    expect(row.locator(".error")).to_contain_text("GET /v1/models → 404, expected 200")
    expect(row).to_have_attribute("data-state", "stopped")
    expect(row.get_by_role("button", name="Start")).to_be_visible()


def test_the_host_picker_marks_an_offline_host(page: Page, svc_stack: TestStack) -> None:
    """A host whose worker stopped beating is offered as "(offline)" in the grid's picker."""
    from roundhouse.core.hosts import Hosts

    hosts = Hosts(connect(svc_stack.redis_url), Keys(svc_stack.prefix))
    hosts.beat("retired-box", at=time.time() - 3600)
    page.goto(f"{svc_stack.url}/static/services.html")
    picker = page.locator("select[name=host]")
    expect(picker.locator("option", has_text="retired-box (offline)")).to_have_count(1)
    expect(picker.locator("option", has_text=HOST)).not_to_contain_text("offline")
