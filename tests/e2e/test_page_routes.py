"""Views have addresses: Back, Forward and reload land where they should, a reloaded Beam
Search shows its running job with that job's settings, and the shell (tabs, last-known jobs)
is drawn while every API answer is still held back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from roundhouse.core.active_providers import Choice
from tests.conftest import Fakes
from tests.e2e.page_tools import console_errors
from tests.integration.test_beam import FLUX_LOCAL, provider_store, switch
from tests.stacks import TestStack


@pytest.fixture
def flux_local(stack: TestStack) -> Iterator[int]:
    before = provider_store(stack).state()
    yield switch(stack, FLUX_LOCAL)
    switch(stack, {r: Choice(before[r]["provider"], before[r]["model"]) for r in FLUX_LOCAL})


def shown(page: Page, view: str) -> None:
    expect(page.locator(f"section#{view}")).to_be_visible()
    expect(page.locator(f'#views [data-view="{view}"]')).to_have_attribute("aria-current", "page")
    for other in page.eval_on_selector_all("main > section", "els => els.map(e => e.id)"):
        if other != view:
            expect(page.locator(f"section#{other}")).to_be_hidden()


def test_back_forward_and_reload_land_on_their_views(page: Page, stack: TestStack) -> None:
    errors = console_errors(page)
    page.goto(f"{stack.url}/#models")  # the old form is read and rewritten
    expect(page).to_have_url(re.compile("#/models$"))
    shown(page, "models")
    for view in ("install", "beam", "services"):
        page.locator(f'#views [data-view="{view}"]').click()
        expect(page).to_have_url(re.compile(f"#/{view}$"))
        shown(page, view)
    page.go_back()
    shown(page, "beam")
    page.go_back()
    shown(page, "install")
    page.go_forward()
    shown(page, "beam")
    page.reload()
    shown(page, "beam")
    page.go_back()
    shown(page, "install")

    job = httpx.post(
        f"{stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 3, "interval": 0.01}},
    )
    job_id = job.json()["id"]
    page.locator(f"#job-{job_id} a.kind").click()  # a job's own address
    expect(page).to_have_url(re.compile(f"#/jobs/{job_id}$"))
    expect(page.locator("#job-detail .job")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("#job-detail .facts")).to_contain_text("Counted to 3")
    page.reload()
    expect(page.locator("#job-detail .facts")).to_contain_text(job_id)
    page.go_back()
    shown(page, "install")
    assert errors == [], errors


def test_reloaded_beam_shows_its_running_job_and_settings(
    page: Page,
    stack: TestStack,
    flux_local: int,
    fakes: Fakes,
) -> None:
    fakes.flux.latency = 2.0  # long enough to reload in the middle
    try:
        page.goto(f"{stack.url}/#/beam")
        form = page.locator("#beam-form")
        form.locator("textarea[name=prompt]").fill("a lighthouse in fog")
        form.locator("[name=beam_width]").fill("3")
        form.locator("[name=candidates]").fill("2")
        form.locator("[name=depth]").fill("3")
        form.locator("select[name=size]").select_option("256")
        form.get_by_role("button", name="Run").click()
        expect(page.locator("#beam-state")).to_have_text("running", timeout=30_000)
        expect(page.locator(".beam-card").first).to_be_visible(timeout=30_000)
        page.reload()
        expect(page.locator("#beam-state")).to_have_text("running")
        expect(form.locator("textarea[name=prompt]")).to_have_value("a lighthouse in fog")
        expect(form.locator("[name=beam_width]")).to_have_value("3")
        expect(form.locator("[name=candidates]")).to_have_value("2")
        expect(form.locator("[name=depth]")).to_have_value("3")
        expect(form.locator("select[name=size]")).to_have_value("256")
        expect(page.locator(".beam-card").first).to_be_visible()  # replayed on the one socket
        assert (
            page.evaluate(
                "performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/ws')).length"
            )
            <= 1
        )
        page.locator("#beam-cancel").click()  # (it may finish first on a fast machine)
        expect(page.locator("#beam-state")).to_have_text(
            re.compile("cancelled|succeeded"), timeout=30_000
        )
    finally:
        fakes.flux.latency = 0.0


def test_shell_and_cached_jobs_show_before_any_answer(page: Page, stack: TestStack) -> None:
    job = httpx.post(
        f"{stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 2, "interval": 0.01}},
    )
    job_id = job.json()["id"]
    page.goto(f"{stack.url}/#/install")
    expect(page.locator(f"#job-{job_id}")).to_have_attribute("data-state", "succeeded")

    held: list[Route] = []
    page.route(re.compile(r"/api/"), lambda route: held.append(route))
    page.route_web_socket(re.compile(r"/ws$"), lambda ws: None)  # a socket that never answers
    page.reload()
    # every API answer is held until the checks below are done, so whatever they see was drawn
    # without one, however long a loaded machine takes to draw it
    for tab in ("Overview", "Models", "Install", "Beam Search", "Services"):
        expect(page.locator("#views a", has_text=tab)).to_be_visible()
    shown(page, "install")
    expect(page.locator(f"#job-{job_id}")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("#providers-badge")).to_have_text("…")  # no answer has come yet
    deadline = time.monotonic() + 30
    while not held and time.monotonic() < deadline:  # the route handler runs in our waits
        page.wait_for_timeout(100)
    assert held, "the page asked the API nothing"
    for route in held:
        route.continue_()
    page.unroute(re.compile(r"/api/"))
    expect(page.locator("#providers-badge")).not_to_have_text("…")
    expect(page.locator("#install-disk")).to_contain_text("free on")  # data filled in
