"""Shared fixtures: one Redis server and one stack per test process, started once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import fakeredis
import pytest

from roundhouse.cli.stack import Stack
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from tests.stacks import TestStack, start_stack

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture
def fake_redis() -> fakeredis.FakeRedis:
    """Only for pure store logic; everything else runs against a real server."""
    return fakeredis.FakeRedis(decode_responses=True)


@pytest.fixture
def store(fake_redis: fakeredis.FakeRedis) -> JobStore:
    return JobStore(fake_redis, Keys("rh:"))


@pytest.fixture(scope="session")
def redis_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free port (databases are handed out per stack)."""
    stack = Stack(tmp_path_factory.mktemp("redis"))
    url = stack.start_redis()
    yield url.rsplit("/", 1)[0]
    stack.stop()


@pytest.fixture(scope="session")
def stack(redis_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestStack]:
    """Redis + one Celery worker + the API (gunicorn/gevent), as processes."""
    ts = start_stack(tmp_path_factory.mktemp("stack"), redis_base)
    yield ts
    ts.stop()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; a missing browser fails under CI."""
    path = chromium_path()
    if path is None:
        if IN_CI:
            pytest.fail("chromium is not installed; run scripts/ensure-chromium.sh")
        pytest.skip("chromium not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        if str(item.fspath).startswith(str(root / "e2e")):
            item.add_marker(pytest.mark.browser)
