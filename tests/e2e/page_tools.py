"""What browser tests do to the page the way a person (or an auditor) would: press and hold a
button, Tab to it and press Enter, check for sideways scrolling, run axe-core, keep screenshots."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
VIEWPORTS = {"phone": (390, 844), "tablet": (768, 1024), "laptop": (1280, 800)}
HOLD_MS = 100  # a person's press: down, hold, up


def axe_source() -> str:
    """axe-core from npm (pinned in tests/e2e/package.json), installed now if missing."""
    if not AXE.exists():
        done = subprocess.run(["bash", str(ROOT / "scripts" / "ensure-axe.sh")], check=False)
        if done.returncode or not AXE.exists():
            pytest.fail("axe-core could not be installed: run scripts/ensure-axe.sh")
    return AXE.read_text()


def serious_violations(page: Page, source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def sideways(page: Page) -> int:
    """How many pixels the page scrolls sideways (0 is right)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def screenshot(page: Page, *parts: str) -> Path:
    path = ARTIFACTS.joinpath(*parts).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def press(page: Page, button: Locator) -> None:
    """Move the pointer onto the button, press, hold 100 ms, release: a person's click."""
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box, "the button is not on screen"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    page.mouse.down()
    page.wait_for_timeout(HOLD_MS)
    page.mouse.up()


WATCH_STATE = """card => { window.__moved = false;
    new MutationObserver(ms => { if (ms.some(m => m.oldValue !== card.dataset.state))
        window.__moved = true; })
      .observe(card, {attributes: true, attributeFilter: ['data-state'], attributeOldValue: true});
}"""


def tab_and_enter(page: Page, start: Locator, button: Locator, card: Locator) -> bool:
    """Click a still spot before the button, Tab until the button has focus, wait, Enter.
    False (nothing pressed) only when the job itself changed state meanwhile, which may fairly
    change its buttons; focus lost while the state held fails the test."""
    start.click(position={"x": 2, "y": 2})
    card.evaluate(WATCH_STATE)
    handle = button.element_handle()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", handle):
            break
    else:  # the job moved on meanwhile (e.g. a resumed pull waited its turn): ask again
        assert page.evaluate("window.__moved"), "Tab never reached the button"
        return False
    page.wait_for_timeout(HOLD_MS * 3)  # events keep arriving meanwhile; focus must stay
    if not page.evaluate("el => document.activeElement === el", handle):
        assert page.evaluate("window.__moved"), "focus was lost while the job's state held"
        return False
    page.keyboard.press("Enter")
    return True


def console_errors(page: Page) -> list[str]:
    """Collects the page's console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


RECORD_STATES = """selector => { const seen = window.__states = [];
    const note = (el) => { if (el.matches?.(selector)) seen.push(el.dataset.state); };
    document.querySelectorAll(selector).forEach(note);
    new MutationObserver(ms => ms.forEach(m => {
        if (m.type === 'attributes') {
            if (m.target.matches(selector)) seen.push(m.oldValue, m.target.dataset.state);
            return;
        }
        m.addedNodes.forEach(n => { note(n); n.querySelectorAll?.(selector).forEach(note); });
    })).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
        attributeFilter: ['data-state'], attributeOldValue: true});
}"""


def record_states(page: Page, selector: str) -> None:
    """From now on, note every data-state the element(s) matching `selector` take, however
    briefly: a loaded machine may show a passing state for less than one of expect()'s polls."""
    page.evaluate(RECORD_STATES, selector)


def states_seen(page: Page) -> list[str]:
    """The data-state values noted since record_states, in order (repeats included)."""
    return [s for s in page.evaluate("window.__states") if s]
