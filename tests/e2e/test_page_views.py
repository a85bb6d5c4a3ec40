"""Every view at a phone's, a tablet's and a laptop's size: no sideways scrolling, every control
reachable, the Providers dialog fits, a screenshot kept (tests/e2e/artifacts/), axe-core finds
nothing serious or critical (idle, and with jobs running), and the console stays clean."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.page_tools import (
    VIEWPORTS,
    axe_source,
    console_errors,
    screenshot,
    serious_violations,
    sideways,
)
from tests.stacks import TestStack

VIEWS = {
    "home": "#/",
    "models": "#/models",
    "install": "#/install",
    "beam": "#/beam",
    "services": "#/services",
    "connections": "#/connections",
}


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


@pytest.fixture
def running_job(stack: TestStack) -> Iterator[str]:
    r = httpx.post(
        f"{stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 100000, "interval": 0.1}},
    )
    job_id = r.json()["id"]
    yield job_id
    httpx.post(f"{stack.url}/api/jobs/{job_id}/cancel")


def open_view(page: Page, stack: TestStack, name: str) -> None:
    page.goto(f"{stack.url}/{VIEWS[name]}")
    view = "home" if name == "home" else name
    expect(page.locator(f"section#{view}")).to_be_visible()
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")


def controls_reachable(page: Page) -> None:
    """Every visible button, link and field of the view and header lies within the width."""
    out = page.evaluate("""() => {
        const view = 'main section:not([hidden])';
        const sel = `header button, header a, ${view} button, ${view} input, ${view} select,`
          + ' #jobs-drawer button';
        const off = (e) => { const r = e.getBoundingClientRect();
                             return r.right > innerWidth + 1 || r.left < -1; };
        return [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
          .filter(off).map(e => e.outerHTML.slice(0, 80));
    }""")
    assert out == [], out


def test_views_fit_every_screen_with_screenshots(
    browser: Browser, stack: TestStack, running_job: str
) -> None:
    for size, (width, height) in VIEWPORTS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors = console_errors(page)
        try:
            for name in VIEWS:
                open_view(page, stack, name)
                expect(page.locator(f"#job-{running_job}")).to_have_attribute(
                    "data-state", "running"
                )
                assert sideways(page) <= 0, (
                    f"{name} at {size} scrolls sideways by {sideways(page)} px"
                )
                controls_reachable(page)
                screenshot(page, size, name)
            page.goto(f"{stack.url}/#/jobs/{running_job}")
            expect(page.locator("#job-detail .job")).to_be_visible()
            assert sideways(page) <= 0
            screenshot(page, size, "job")
            page.locator("#providers-button").click()
            dialog = page.locator("#providers-dialog")
            expect(dialog.locator("select[name=llm-provider]")).to_be_visible()
            box = dialog.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
            screenshot(page, size, "providers")
            assert errors == [], errors
        finally:
            context.close()


def test_no_serious_accessibility_problems(
    page: Page, stack: TestStack, axe: str, running_job: str
) -> None:
    errors = console_errors(page)
    found = {}
    for name in VIEWS:
        open_view(page, stack, name)
        expect(page.locator(f"#job-{running_job}")).to_have_attribute("data-state", "running")
        found[name] = serious_violations(page, axe)
    page.goto(f"{stack.url}/#/jobs/{running_job}")
    expect(page.locator("#job-detail .job")).to_be_visible()
    found["job"] = serious_violations(page, axe)
    page.locator("#jobs-filter").select_option("failed")  # an empty filter's state
    found["drawer-empty"] = serious_violations(page, axe)
    page.locator("#providers-button").click()
    expect(page.locator("#providers-dialog select[name=llm-provider]")).to_be_visible()
    found["providers"] = serious_violations(page, axe)
    assert {k: v for k, v in found.items() if v} == {}
    assert errors == [], errors


def test_views_are_clean_with_no_job_running(page: Page, stack: TestStack, axe: str) -> None:
    errors = console_errors(page)
    httpx.post(f"{stack.url}/api/jobs/clear", json={})
    found = {}
    for name in VIEWS:
        open_view(page, stack, name)
        found[name] = serious_violations(page, axe)
    assert {k: v for k, v in found.items() if v} == {}
    assert errors == [], errors
