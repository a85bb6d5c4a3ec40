"""Shared fixtures: one Redis server and one stack per test process, started once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import fakeredis
import pytest

from roundhouse.cli.stack import Stack, free_port
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from tests.fakes.flux import FakeFlux
from tests.fakes.hub import FakeHub
from tests.fakes.lmstudio import FakeLMStudio
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI
from tests.fakes.vision import FakeVision
from tests.stacks import TestStack, start_stack

IN_CI = os.environ.get("CI") == "true"
PAGE_BOUND_MS = 30_000  # the longest a browser test waits for the page to show something


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


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this test module's own (its URL), for store logic that needs real
    connections racing each other; tests keep apart by key prefix."""
    stack = Stack(tmp_path_factory.mktemp("module-redis"))
    url = stack.start_redis()
    yield url
    stack.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[Stack, int]]:
    """A Redis of this test's own (Stack, port), for tests that stop and restart it."""
    stack = Stack(tmp_path / "redis-home")
    url = stack.start_redis()
    yield stack, int(url.rsplit(":", 1)[1].split("/")[0])
    stack.stop()


@dataclass
class Fakes:
    """The outside world on loopback, shared by every test of this process."""

    ollama: FakeOllama
    lmstudio: FakeLMStudio
    lmstudio_dir: Path
    hub: FakeHub
    openai: FakeOpenAI
    flux: FakeFlux
    vision: FakeVision

    def env(self) -> dict[str, str]:
        """Settings that point a stack at these fakes."""
        return {
            "OLLAMA_BASE_URL": self.ollama.url,
            "LMSTUDIO_BASE_URL": self.lmstudio.url,
            "LMSTUDIO_MODELS_DIR": str(self.lmstudio_dir),
            "HF_ENDPOINT": self.hub.url,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "OPENAI_BASE_URL": self.openai.url + "/v1",
            "OPENAI_API_KEY": "sk-test",
            "FLUX_API_URL": self.flux.url,
            "LOCAL_VISION_API_URL": self.vision.url,
        }


@pytest.fixture(scope="session")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fakes]:
    lm_dir = tmp_path_factory.mktemp("lmstudio-models")
    with ExitStack() as es:
        yield Fakes(
            ollama=es.enter_context(FakeOllama(tick=0.02)),
            lmstudio=es.enter_context(FakeLMStudio(lm_dir)),
            lmstudio_dir=lm_dir,
            hub=es.enter_context(FakeHub(tmp_path_factory.mktemp("hub"))),
            openai=es.enter_context(FakeOpenAI(api_key="sk-test")),
            flux=es.enter_context(FakeFlux()),
            vision=es.enter_context(FakeVision()),
        )


@pytest.fixture(scope="session")
def stack(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestStack]:
    """Redis + one Celery worker + the API (gunicorn/gevent), as processes, wired to fakes."""
    ts = start_stack(tmp_path_factory.mktemp("stack"), redis_base, env=fakes.env(), concurrency=4)
    yield ts
    ts.stop()


@pytest.fixture(scope="module")
def second_api(stack: TestStack) -> Iterator[str]:
    """Another API process (gunicorn, 2 gevent workers) beside the session stack's; its URL."""
    name = f"api-second-{free_port()}"
    url = stack.stack.start_api(free_port(), name=name, workers=2)
    yield url
    stack.stack.stop(name)


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
    from playwright.sync_api import expect, sync_playwright

    # Playwright's 5 s default bound on expect() is for a quiet machine; on a loaded one (load
    # average 16 on two cores, Chromium and the worker starved) a page that shows the right
    # thing can take longer. The bound only decides how long a broken run takes to fail.
    expect.set_options(timeout=PAGE_BOUND_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
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
