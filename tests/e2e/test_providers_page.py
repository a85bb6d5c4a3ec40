"""Provider Settings in Chromium: a switch to a down Ollama shows the error; once it is up the
switch succeeds, the badge turns orange (local), another open tab follows live, and when Ollama
stops again the badge turns red and its tooltip names the service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Fakes
from tests.fakes.ollama import FakeOllama
from tests.helpers import free_port
from tests.stacks import TestStack, start_stack


@pytest.fixture(scope="module")
def ollama_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def own_stack(
    redis_base: str, fakes: Fakes, ollama_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    """Our own stack: its Ollama URL points at a port where nothing listens yet."""
    env = {**fakes.env(), "OLLAMA_BASE_URL": f"http://127.0.0.1:{ollama_port}"}
    ts = start_stack(tmp_path_factory.mktemp("providers-page"), redis_base, env=env)
    yield ts
    ts.stop()


def open_settings(page: Page) -> None:
    page.locator("#providers-button").click()
    expect(page.locator("#providers-dialog")).to_be_visible()
    expect(page.locator("#providers-dialog select[name=llm-provider]")).to_be_visible()


def test_down_service_error_then_switch_and_badge(
    page: Page, own_stack: TestStack, ollama_port: int, tmp_path: Path
) -> None:
    other = page.context.new_page()  # a second tab that must follow the switch live
    for tab in (page, other):
        tab.goto(own_stack.url)
        expect(tab.locator("#conn")).to_have_attribute("data-state", "live")
        expect(tab.locator("#providers-badge")).to_have_attribute("data-local", "false")

    open_settings(page)
    page.select_option("#providers-dialog select[name=llm-provider]", "ollama")
    page.fill("#providers-dialog input[name=llm-model]", "llama3.2")
    page.locator("#providers-form button[type=submit]").click()
    result = page.locator("#providers-result")
    expect(result).to_contain_text("Ollama service not available — start Ollama before switching")
    expect(result).to_have_class("form-error")
    expect(page.locator("#providers-badge")).to_have_attribute("data-local", "false")

    with FakeOllama(installed=["llama3.2"], port=ollama_port):
        page.locator("#providers-form button[type=submit]").click()
        expect(result).to_contain_text("Switched")
        expect(result).to_contain_text("Verified")
        expect(page.locator("#providers-badge")).to_have_attribute("data-local", "true")
        expect(page.locator("#providers-badge")).to_have_text("local")
        expect(page.locator(".provider-row[data-role=llm] .badge")).to_have_class("badge ok")
        expect(other.locator("#providers-badge")).to_have_attribute("data-local", "true")
    # Ollama stops while the LLM role uses it: the badge turns red and names it, without a
    # reload or a click: the page asks every 5 s and the cache lives 5 s, so on a quiet machine
    # it shows within ~10 s (the bound is the page default: a loaded machine answers later)
    badge = page.locator("#providers-badge")
    expect(badge).to_have_class("badge bad")
    expect(badge).to_have_attribute("data-down", "ollama")
    tooltip = page.locator("#providers-button").get_attribute("title") or ""
    assert "ollama is down (LLM uses it)" in tooltip
    expect(page.locator("#providers-dialog a[href='#/services']")).to_have_count(1)

    # where a run is decided: Beam's form shows each role's provider and health, and says why
    # a run would fail before Run is pressed
    page.locator("#providers-dialog button[aria-label=Close]").click()
    page.locator('#views [data-view="beam"]').click()
    llm = page.locator('#beam-roles [data-role="llm"]')
    expect(llm).to_have_class(re.compile(r"\bbad\b"))
    expect(llm).to_contain_text("LLM: ollama/llama3.2:latest down")
    expect(page.locator('#beam-roles [data-role="image"]')).to_be_visible()
    expect(page.locator("#beam-down")).to_contain_text("LLM (ollama: ollama) is down")
