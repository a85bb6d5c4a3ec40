"""A person's presses land while a job reports 10 times a second: in the jobs drawer, in Models
and in Install, Pause/Resume/Cancel are pressed with the mouse (down, hold 100 ms, up) and with
the keyboard (Tab to the button, Enter), 20 times each, and every press is checked by the job's
own state on the server."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from tests.conftest import Fakes
from tests.e2e.page_tools import WATCH_STATE, console_errors, press, tab_and_enter
from tests.e2e.test_install_page import new_repo
from tests.fakes.ollama import FakeOllama
from tests.stacks import TestStack

PRESSES = 20
# 20 presses, each through the browser, the API and a worker: 27-40 s a test with two CPU
# hogs, too near the suite's 120 s guard once the machine is loaded further
pytestmark = pytest.mark.timeout(300)
AFTER = {"pause": {"paused"}, "resume": {"queued", "running"}, "cancel": {"cancelled"}}


def state(stack: TestStack, job_id: str) -> str:
    return httpx.get(f"{stack.url}/api/jobs/{job_id}", timeout=10).json()["state"]


def wait_server(stack: TestStack, job_id: str, wanted: set[str], timeout: float = 60) -> str:
    """The job's state once the worker reached one of `wanted` (a loaded one takes seconds)."""
    deadline = time.monotonic() + timeout
    while (now := state(stack, job_id)) not in wanted:
        assert time.monotonic() < deadline, f"job {job_id} is {now}, wanted {wanted}"
        time.sleep(0.05)
    return now


def mouse_press(page: Page, stack: TestStack, job_id: str, card: Locator, action: str) -> None:
    """A person's press; pressed again only when the job itself changed state under it (a
    resumed pull waiting its turn), never when the page redrew the button on its own."""
    button = card.locator(f"button[data-action={action}]")
    for _ in range(3):
        card.evaluate(WATCH_STATE)
        with contextlib.suppress(PlaywrightError):
            press(page, button)
        with contextlib.suppress(AssertionError):
            wait_server(stack, job_id, AFTER[action])
            return
        assert page.evaluate("window.__moved"), f"{action} did not land while the state held"
        expect(button).to_be_visible()
    raise AssertionError("the job kept changing state under the press")


def presses(
    page: Page, stack: TestStack, job_id: str, card: Locator, start: Locator, keyboard: bool
) -> int:
    """Pause, Resume, Pause, ... then Cancel: 20 presses; returns how many landed."""
    landed = 0
    for n in range(PRESSES):
        action = "cancel" if n == PRESSES - 1 else ("pause" if n % 2 == 0 else "resume")
        if action == "pause":  # Pause is offered while the job runs and reports
            expect(card).to_have_attribute("data-state", "running")
            page.wait_for_timeout(150)  # let a few progress events arrive first
        button = card.locator(f"button[data-action={action}]")
        expect(button).to_be_visible()
        if keyboard:
            for _ in range(3):  # again only if the job itself changed state during the hold
                if tab_and_enter(page, start, button, card):
                    break
                expect(button).to_be_visible()
            else:
                raise AssertionError("the job kept changing state under the press")
        else:
            mouse_press(page, stack, job_id, card, action)
        wait_server(stack, job_id, AFTER[action])  # the job itself says the press landed
        landed += 1
    return landed


def drive(
    page: Page, stack: TestStack, job_id: str, card: Locator, start: Locator, keyboard: bool
) -> None:
    expect(card).to_have_attribute("data-state", "running", timeout=30_000)
    try:
        assert presses(page, stack, job_id, card, start, keyboard) == PRESSES
    finally:
        httpx.post(f"{stack.url}/api/jobs/{job_id}/cancel", timeout=10)


@pytest.fixture
def errors(page: Page) -> Iterator[list[str]]:
    found = console_errors(page)
    yield found
    assert found == [], found


def demo_job(stack: TestStack) -> str:
    r = httpx.post(
        f"{stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 100000, "interval": 0.1}},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    return r.json()["id"]


@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_drawer_presses_land(
    page: Page, stack: TestStack, errors: list[str], keyboard: bool
) -> None:
    page.goto(f"{stack.url}/#/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    job_id = demo_job(stack)
    card = page.locator(f"#job-{job_id}")
    drive(page, stack, job_id, card, card.locator(".line"), keyboard)
    expect(card).to_have_attribute("data-state", "cancelled")


@pytest.fixture
def slow_ollama(fakes: Fakes) -> Iterator[FakeOllama]:
    saved = fakes.ollama.tick, fakes.ollama.bytes_per_tick
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = 0.05, 8 * 1024  # ~160 KB/s, 20 reports/s
    yield fakes.ollama
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = saved


@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_models_presses_land(
    page: Page,
    stack: TestStack,
    slow_ollama: FakeOllama,
    errors: list[str],
    keyboard: bool,
) -> None:
    model = f"e2e-press-{'keys' if keyboard else 'mouse'}"
    slow_ollama.publish({model: [200_000_000, 100]})
    page.goto(f"{stack.url}/#/models")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.fill("#pull-form input[name=model]", model)
    page.click("#pull-form button[type=submit]")
    row = page.locator(f'#models-pulls li[data-model="{model}:latest"]')
    box = row.locator(".pull")
    expect(box).to_have_attribute("data-job", re.compile(".+"))
    job_id = box.get_attribute("data-job") or ""
    drive(page, stack, job_id, box, row.locator("strong"), keyboard)
    expect(box).to_have_attribute("data-state", "cancelled")


@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_install_presses_land(
    page: Page, stack: TestStack, fakes: Fakes, errors: list[str], keyboard: bool
) -> None:
    repo, _ = new_repo(fakes, size=30_000_000)
    fakes.hub.trickle(100_000)
    try:
        page.goto(f"{stack.url}/#/install")
        expect(page.locator("#conn")).to_have_attribute("data-state", "live")
        page.fill("#install-form input[name=repo_id]", repo)
        page.click("#install-form [data-action=download]")
        card = page.locator(".install-job", has_text=repo).first
        expect(card).to_have_attribute("data-stage", "download", timeout=30_000)
        job_id = card.get_attribute("data-id") or ""
        drive(page, stack, job_id, card, card.locator(".subject"), keyboard)
    finally:
        fakes.hub.trickle(None)
    expect(card).to_have_attribute("data-state", "cancelled")
