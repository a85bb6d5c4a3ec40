"""Connections set at runtime reach every process at once, and keys never leak.

Own stack: two workers (one job each, so two concurrent pulls run in two processes), the API,
and fakes of its own: two Ollamas (the configured one and the one we move to) and an OpenAI
whose key starts unset.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from tests.conftest import Fakes
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI
from tests.helpers import wait_for, wait_state
from tests.integration.cli_run import env_for, rh
from tests.stacks import TestStack, start_stack

pytestmark = pytest.mark.stack
GOOD_KEY = "sk-proj-GOOD-connections-4242"
WRONG_KEY = "sk-proj-WRONG-connections-1313"


@pytest.fixture(scope="module")
def world(
    redis_base: str, fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestStack, FakeOllama, FakeOllama]]:
    with (
        FakeOllama(tick=0.02, bytes_per_tick=64 * 1024) as old,
        FakeOllama(tick=0.02, bytes_per_tick=64 * 1024) as new,
        FakeOpenAI(api_key=GOOD_KEY) as openai,
    ):
        env = {
            **fakes.env(),
            "OLLAMA_BASE_URL": old.url,
            "OPENAI_BASE_URL": openai.url + "/v1",
            "OPENAI_API_KEY": "",
        }
        ts = start_stack(
            tmp_path_factory.mktemp("conn"), redis_base, env=env, workers=2, concurrency=1
        )
        yield ts, old, new
        ts.stop()


def connect_cli(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "roundhouse.cli.main", "connect", *args]
    return subprocess.run(
        argv, env=env_for(url), input=stdin, capture_output=True, text=True, timeout=60
    )


def test_a_new_ollama_url_moves_health_and_pulls_in_every_process(world) -> None:  # type: ignore[no-untyped-def]
    ts, old, new = world
    new.publish({"moved-a": [3_000_000, 100], "moved-b": [3_000_000, 100]})
    out = connect_cli(ts.url, "ollama", "--url", new.url)
    assert out.returncode == 0, out.stderr
    assert f"Ollama: {new.url} [runtime]" in out.stdout
    health = httpx.get(f"{ts.url}/api/providers/health").json()["services"]["ollama"]
    assert health["ok"] and health["url"].startswith(new.url)
    new.bytes_per_tick = 1_000  # both crawl until seen running together (~1 s pulls may not)
    try:
        ids = [
            httpx.post(f"{ts.url}/api/providers/models/download", json={"model": m}).json()["id"]
            for m in ("moved-a", "moved-b")
        ]
        wait_for(
            lambda: (
                {httpx.get(f"{ts.url}/api/jobs/{i}").json()["state"] for i in ids} == {"running"}
            ),
            what="both pulls running at once (two workers)",
        )
    finally:
        new.bytes_per_tick = 64 * 1024
    for job_id in ids:
        assert wait_state(ts, job_id, {"succeeded", "failed"}, timeout=60)["state"] == "succeeded"
    assert new.snapshot()["installed"] == ["moved-a:latest", "moved-b:latest"]
    assert old.snapshot()["pulls_started"] == 0
    listing = json.loads(rh(ts.url, "--json", "connect").stdout)
    assert listing["connections"]["ollama"]["url_source"] == "runtime"


def test_a_wrong_key_is_refused_a_good_one_used_and_neither_ever_shown(world) -> None:  # type: ignore[no-untyped-def]
    ts, _, _ = world
    before = httpx.get(f"{ts.url}/api/connections").json()["version"]
    out = connect_cli(ts.url, "openai", "--key", WRONG_KEY)
    assert out.returncode == 1
    assert "Incorrect API key provided" in out.stderr and "HTTP 401" in out.stderr
    assert "/#connections/openai" in out.stderr
    status = httpx.get(f"{ts.url}/api/connections").json()
    assert status["connections"]["openai"]["key"]["set"] is False
    assert status["version"] == before

    out = connect_cli(ts.url, "openai", "--key", "-", stdin=GOOD_KEY + "\n")
    assert out.returncode == 0, out.stderr
    assert "key sk-…4242 [runtime]" in out.stdout
    switched = httpx.post(
        f"{ts.url}/api/providers/switch", json={"llm": {"provider": "openai"}}, timeout=30
    )
    assert switched.status_code == 200, switched.text  # the API used the key from Redis
    answers = [
        switched.text,
        out.stdout,
        httpx.get(f"{ts.url}/api/connections").text,
        httpx.get(f"{ts.url}/api/providers/status").text,
        httpx.get(f"{ts.url}/api/providers/history").text,
    ]
    r = connect(ts.redis_url)
    events = [json.loads(fields["e"]) for _, fields in r.xrange(Keys(ts.prefix).feed)]
    feed = json.dumps(events, ensure_ascii=False)
    logs = "".join(p.read_text(errors="replace") for p in ts.stack.logs.glob("*.log"))
    for secret in (GOOD_KEY, WRONG_KEY):
        assert all(secret not in text for text in answers)
        assert secret not in feed and secret not in logs
    announced = [e for e in events if e.get("type") == "connections"]
    assert announced[-1]["changed"] == {"openai_api_key": "sk-…4242"}  # announced, masked
