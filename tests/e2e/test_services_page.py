"""The "Local service status" grid in real Chromium: Start, watch it turn green, Stop."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services import procfs
from tests.fakes.service import free_port
from tests.stacks import TestStack, start_stack

HOST = "e2e-services"


@pytest.fixture(scope="module")
def svc_stack(redis_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestStack]:
    port = free_port()
    env = {
        "ROUNDHOUSE_HOSTNAME": HOST,
        "ROUNDHOUSE_FLUX_COMMAND": f"{sys.executable} -m tests.fakes.service --port {port} "
        "--mode ok --delay 0.5",
        "FLUX_API_URL": f"http://127.0.0.1:{port}",
        "ROUNDHOUSE_VISION_COMMAND": f"{sys.executable} -m tests.fakes.service --port "
        f"{free_port()} --mode exit",
        "LOCAL_VISION_API_URL": f"http://127.0.0.1:{free_port()}",
        "OLLAMA_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "LMSTUDIO_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "ROUNDHOUSE_HEALTH_TIMEOUT_S": "1",
    }
    ts = start_stack(tmp_path_factory.mktemp("services-e2e"), redis_base, env=env)
    try:
        yield ts
    finally:
        for entry in ServiceStore(connect(ts.redis_url), Keys(ts.prefix)).all(HOST).values():
            keeper = (entry.get("record") or {}).get("keeper_pid")
            if keeper and procfs.group_members(int(keeper)):
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
    flux.get_by_role("button", name="Start").click()
    expect(flux).to_have_attribute("data-state", "starting")
    expect(flux.locator(".badge")).to_have_class("badge ok", timeout=30_000)
    expect(flux).to_have_attribute("data-state", "running")
    expect(flux.locator(".uptime")).not_to_be_empty()
    expect(flux.get_by_role("button", name="Stop")).to_be_visible()

    page.reload()  # the state is the server's, not the page's
    expect(page.locator("#svc-flux")).to_have_attribute("data-state", "running")
    page.locator("#svc-flux").get_by_role("button", name="Stop").click()
    expect(page.locator("#svc-flux")).to_have_attribute("data-state", "stopped", timeout=30_000)
    expect(page.locator("#svc-flux").get_by_role("button", name="Start")).to_be_visible()
    page.screenshot(path=str(svc_stack.stack.data_dir / "services.png"))
    assert errors == []


def test_a_failed_start_shows_the_reason_and_the_log(page: Page, svc_stack: TestStack) -> None:
    page.goto(f"{svc_stack.url}/static/services.html")
    vision = page.locator("#svc-vision")
    vision.get_by_role("button", name="Start").click()
    expect(vision).to_have_attribute("data-state", "crashed", timeout=30_000)
    expect(vision.locator(".error")).to_contain_text("exited with code 3")
    expect(vision.locator(".log-tail")).to_contain_text("fatal: could not load the model")
    status = httpx.get(f"{svc_stack.url}/api/providers/services/status").json()
    assert {r["service"]: r for r in status["services"]}["vision"]["state"] == "crashed"
