"""Health checks: concurrent, each bounded, no request without a key, chat models listed."""

from __future__ import annotations

import time

import pytest

from roundhouse.core.errors import Unavailable
from roundhouse.providers.health import (
    Target,
    chat_models,
    check,
    check_all,
    list_models,
    openai_target,
)
from roundhouse.providers.services.specs import build_specs
from tests.fakes.service import blackhole, running
from tests.helpers import free_port


def test_a_silent_server_does_not_delay_the_others() -> None:
    ok_port, sick_port, refused = free_port(), free_port(), free_port()
    with running(ok_port), running(sick_port, status=503), blackhole() as hole:
        targets = [
            Target("ollama", "ollama", f"http://127.0.0.1:{ok_port}/api/tags"),
            Target("lmstudio", "lmstudio", f"http://127.0.0.1:{ok_port}/v1/models"),
            Target("flux", "flux", f"http://127.0.0.1:{hole}/health"),
            Target("vision", "vision", f"http://127.0.0.1:{sick_port}/health"),
            Target("gone", "flux", f"http://127.0.0.1:{refused}/health"),
        ]
        began = time.monotonic()
        results = check_all(targets, timeout_s=2.0)  # room for a loaded machine's answers
        took = time.monotonic() - began
    assert took < 2.0 + 3.0, took  # bounded by the timeout, not by the black hole
    assert results["ollama"]["ok"] and results["ollama"]["models"] == ["llama3.2:latest"]
    assert results["lmstudio"]["models"] == ["qwen2.5-7b-instruct"]
    assert results["ollama"]["latency_ms"] < 2000 and results["ollama"]["checked_at"] > 0
    assert results["flux"] == {**results["flux"], "ok": False, "error": "no answer within 2 s"}
    assert results["vision"]["error"].startswith("HTTP 503")
    assert results["gone"]["error"] == "not running (connection refused)"


def test_catalog_specs_are_checked_at_their_health_urls() -> None:
    port = free_port()
    catalog = build_specs(flux_api_url=f"http://127.0.0.1:{port}")
    with running(port) as seen:
        results = check_all([catalog["flux"], catalog["openai-compatible"]], timeout_s=5.0)
    assert results["flux"]["ok"] and "models" not in results["flux"]
    assert [request["path"] for request in seen] == ["/health"]
    assert results["openai-compatible"] == {
        **results["openai-compatible"],
        "ok": False,
        "error": "not configured",
    }


def test_openai_without_a_key_sends_nothing() -> None:
    port = free_port()
    with running(port) as seen:
        result = check(openai_target(f"http://127.0.0.1:{port}/v1", api_key=""))
    assert result["ok"] is False and result["error"] == "no API key configured"
    assert seen == []


def test_openai_with_a_key_sends_it_as_bearer() -> None:
    port = free_port()
    with running(port) as seen:
        result = check(openai_target(f"http://127.0.0.1:{port}/v1", api_key="sk-test"))
    assert result["ok"] and result["models"] == ["qwen2.5-7b-instruct"]
    assert seen[0]["path"] == "/v1/models" and seen[0]["authorization"] == "Bearer sk-test"


def test_embedding_models_are_left_out() -> None:
    body = {
        "data": [
            {"id": "llm-a", "type": "llm"},
            {"id": "nomic-v1", "type": "embeddings"},
            {"id": "text-embedding-3-small"},
            "junk",
            {"id": None},
        ]
    }
    assert chat_models("lmstudio", body) == ["llm-a"]
    assert chat_models("lmstudio", {"data": None}) == []
    tags = {
        "models": [
            {"name": "bge-m3:latest", "capabilities": ["embedding"]},
            {"name": "qwen3:8b", "capabilities": ["completion", "tools"]},
        ]
    }
    assert chat_models("ollama", tags) == ["qwen3:8b"]


def test_list_models_says_start_it_when_down() -> None:
    target = Target("ollama", "ollama", f"http://127.0.0.1:{free_port()}/api/tags")
    with pytest.raises(Unavailable, match="connection refused"):
        list_models(target, timeout_s=0.5)
