"""The Beam Search view in headless Chromium: run a small search, see cards, the best, a reload."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from roundhouse.core.active_providers import Choice
from tests.integration.test_beam import FLUX_LOCAL, provider_store, switch
from tests.stacks import TestStack

WINNER = "a fox in the snow, vivid take 2, vivid take 2"


@pytest.fixture
def flux_local(stack: TestStack) -> Iterator[int]:
    before = provider_store(stack).state()
    yield switch(stack, FLUX_LOCAL)
    switch(stack, {r: Choice(before[r]["provider"], before[r]["model"]) for r in FLUX_LOCAL})


def open_view(page: Page, stack: TestStack) -> None:
    page.goto(f"{stack.url}/#beam")
    expect(page.locator("#beam-form")).to_be_visible()


def run_search(page: Page, **fields: str) -> None:
    form = page.locator("#beam-form")
    form.locator("textarea[name=prompt]").fill("a fox in the snow")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("select[name=size]").select_option("256")
    form.get_by_role("button", name="Run").click()


def test_small_search_shows_cards_by_round_then_the_best(
    page: Page, stack: TestStack, flux_local: int
) -> None:
    open_view(page, stack)
    run_search(page, beam_width="2", candidates="2", depth="2")
    expect(page.locator("#beam-providers")).to_contain_text(
        "llm: openai/gpt-4o-mini, image: flux/flux-schnell, vision: local/clip", timeout=30_000
    )
    best = page.locator("#beam-best")
    expect(best).to_be_visible(timeout=60_000)
    expect(page.locator("#beam-state")).to_have_text("succeeded")
    expect(page.locator('.beam-round[data-round="1"] .beam-card')).to_have_count(2)
    expect(page.locator('.beam-round[data-round="2"] .beam-card')).to_have_count(4)
    expect(page.locator("#beam-best-prompt")).to_have_text(WINNER)
    expect(page.locator('.beam-card[data-best="true"] .prompt')).to_have_text(WINNER)
    expect(page.locator('.beam-round[data-round="1"] .summary')).to_contain_text("kept 2")
    page.wait_for_function(
        "[...document.querySelectorAll('#beam img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    expect(best.locator(".beam-path li")).to_have_count(3)

    page.reload()  # the job's events are replayed: the same cards and the best again
    expect(page.locator("#beam-best-prompt")).to_have_text(WINNER, timeout=30_000)
    expect(page.locator(".beam-card")).to_have_count(6)


def test_cancel_from_the_view(page: Page, stack: TestStack, flux_local: int, fakes) -> None:  # type: ignore[no-untyped-def]
    # 3 + 6 + 6 renders, 4 at a time, 3 s each: ~15 s of work, so the Cancel lands before the
    # end even when a loaded machine takes seconds to carry it (1 s renders once left ~3 s)
    fakes.flux.latency = 3.0
    try:
        open_view(page, stack)
        run_search(page, beam_width="2", candidates="3", depth="3")
        expect(page.locator(".beam-card").first).to_be_visible(timeout=30_000)
        expect(page.locator("#beam-state")).to_have_text("running")
        page.locator("#beam-cancel").click()
        expect(page.locator("#beam-state")).to_have_text("cancelled", timeout=30_000)
    finally:
        fakes.flux.latency = 0.0
    expect(page.locator("#beam-cancel")).to_be_hidden()


def test_bad_input_shows_the_servers_message(page: Page, stack: TestStack) -> None:
    open_view(page, stack)
    page.evaluate("document.querySelector('#beam-form [name=depth]').removeAttribute('max')")
    run_search(page, depth="9")
    expect(page.locator("#beam-form .form-error")).to_have_text(
        re.compile("depth: must be from 1 to 5")
    )
