"""/api/providers through Flask's test client: fakeredis for state, loopback fakes for services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from dotenv import dotenv_values
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.settings import Settings
from tests.fakes.flux import FakeFlux
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI
from tests.fakes.service import blackhole
from tests.helpers import free_port


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama(installed=["llama3.2", "mistral", "nomic-embed-text"]) as fake:
        yield fake


@pytest.fixture(scope="module")
def openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="sk-test") as fake:
        yield fake


@pytest.fixture
def compat() -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible server of this test's own (its knobs are ours to turn)."""
    with FakeOpenAI(api_key=None, models=("mistral", "solo-model", "nomic-embed-text")) as fake:
        yield fake


@pytest.fixture
def settings(
    tmp_path: Path, ollama: FakeOllama, openai: FakeOpenAI, compat: FakeOpenAI
) -> Settings:
    return Settings(
        ollama_base_url=ollama.url,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",  # down: connection refused
        openai_base_url=openai.url + "/v1",
        openai_api_key="sk-test",
        compat_base_url=compat.url,
        flux_api_url=f"http://127.0.0.1:{free_port()}",
        local_vision_api_url=f"http://127.0.0.1:{free_port()}",
        env_file=tmp_path / ".env",
        health_timeout_s=1.0,
        verify_timeout_s=5.0,
    )


@pytest.fixture
def client(fake_redis, settings: Settings) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app(settings, client=fake_redis, enqueue=lambda job: None).test_client()


def version(client: FlaskClient) -> int:
    return client.get("/api/providers/status").json["version"]


def test_status_shows_defaults_catalog_and_environment(client: FlaskClient) -> None:
    body = client.get("/api/providers/status").json
    assert body["active"]["llm"] == {"provider": "openai", "model": "gpt-4o-mini"}
    assert body["version"] == 0 and body["environment"] == "local" and body["local"] is False
    assert [p["provider"] for p in body["catalog"]["image"]] == ["dalle", "flux"]
    assert body["catalog"]["llm"][1] == {
        **body["catalog"]["llm"][1],
        "title": "Ollama",
        "cloud": False,
    }


def test_switch_to_ollama_verifies_commits_and_records_history(client: FlaskClient) -> None:
    r = client.post(
        "/api/providers/switch",
        json={"llm": {"provider": "ollama", "model": "llama3.2"}, "by": "ana"},
    )
    assert r.status_code == 200, r.json
    assert r.json["llm"] == {"provider": "ollama", "model": "llama3.2:latest"}
    assert r.json["version"] == 1 and r.json["verification"]["answer"] == "OK"
    status = client.get("/api/providers/status").json
    assert status["local"] is True and status["updated_by"] == "ana"
    entry = client.get("/api/providers/history").json["history"][0]
    assert (
        entry["from"]["llm"]["provider"] == "openai"
        and entry["to"]["llm"]["provider"] == ("ollama")
        and entry["verification"]["ok"]
        and entry["by"] == "ana"
    )


def test_flat_original_shape_is_accepted(client: FlaskClient) -> None:
    r = client.post("/api/providers/switch", json={"provider": "dalle", "role": "image"})
    assert r.status_code == 200 and r.json["image"]["provider"] == "dalle"
    assert r.json["verification"] is None  # only an LLM change is verified by default


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"audio": {"provider": "x"}}, "Unknown field"),
        ({"llm": {"provider": "bard"}}, "Unknown llm provider"),
        ({"provider": "flux", "role": "sound"}, "Unknown role"),
        ({"llm": {"provider": "ollama", "model": "bad name!"}}, "model name"),
        ({"llm": {"provider": "ollama"}, "persist": "yes"}, "'persist' must be true or false"),
        ({"llm": 5}, "must be an object"),
        ({}, "at least one role"),
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(
    client: FlaskClient, body: dict, needle: str
) -> None:
    r = client.post("/api/providers/switch", json=body)
    assert r.status_code == 400 and needle in r.json["message"], r.json
    assert "hint" in r.json or needle in (
        "model name",
        "'persist' must be true or false",
        "must be an object",
    )
    assert version(client) == 0


def test_unknown_provider_lists_the_valid_ones(client: FlaskClient) -> None:
    r = client.post("/api/providers/switch", json={"image": {"provider": "midjourney"}})
    assert r.status_code == 400 and r.json["hint"] == "image providers: dalle, flux"


def test_down_service_is_a_503_with_guidance_and_nothing_changes(client: FlaskClient) -> None:
    r = client.post(
        "/api/providers/switch",
        json={"llm": {"provider": "lmstudio"}, "image": {"provider": "dalle"}},
    )
    assert r.status_code == 503
    assert r.json["message"] == "LM Studio service not available — start LM Studio before switching"
    assert "connection refused" in r.json["hint"] and r.json["reason"].startswith("not running")
    assert version(client) == 0


def test_black_holed_service_answers_503_within_the_timeout(
    client: FlaskClient, settings: Settings
) -> None:
    with blackhole() as port:
        app = client.application
        app.extensions["roundhouse"].settings = replace(
            settings, flux_api_url=f"http://127.0.0.1:{port}"
        )
        r = client.post("/api/providers/switch", json={"image": {"provider": "flux"}})
    assert r.status_code == 503 and "no answer within 1 s" in r.json["reason"]


def test_model_not_installed_is_a_409_saying_how_to_download(client: FlaskClient) -> None:
    r = client.post(
        "/api/providers/switch", json={"llm": {"provider": "ollama", "model": "qwen3:0.6b"}}
    )
    assert r.status_code == 409 and "not installed in Ollama" in r.json["message"]
    assert "roundhouse pull qwen3:0.6b" in r.json["hint"] and version(client) == 0


def test_an_embedding_model_is_a_409_saying_it_cannot_chat(client: FlaskClient) -> None:
    r = client.post(
        "/api/providers/switch", json={"llm": {"provider": "ollama", "model": "nomic-embed-text"}}
    )
    assert r.status_code == 409, r.json
    assert r.json["message"] == (
        "'nomic-embed-text:latest' is an embedding model: "
        "it turns text into vectors and cannot chat."
    )
    assert "not installed" not in r.json["message"] and "pull" not in r.json["hint"]
    assert "llama3.2:latest" in r.json["hint"] and r.json["embedding"] is True
    r = client.post("/api/providers/switch", json={"llm": {"model": "nomic-embed-text:latest"}})
    assert r.status_code == 409 and "embedding model" in r.json["message"]
    assert version(client) == 0


def test_model_only_finds_its_backend_or_lists_candidates(client: FlaskClient) -> None:
    r = client.post("/api/providers/switch", json={"llm": {"model": "solo-model"}})
    assert r.status_code == 200 and r.json["llm"] == {
        "provider": "openai-compatible",
        "model": "solo-model",
    }
    r = client.post("/api/providers/switch", json={"llm": {"model": "mistral"}})
    assert r.status_code == 409 and "several backends" in r.json["message"]
    assert {c["provider"] for c in r.json["candidates"]} == {"ollama", "openai-compatible"}
    r = client.post("/api/providers/switch", json={"model": "nowhere-7b"})
    assert r.status_code == 409 and "roundhouse pull nowhere-7b" in r.json["hint"]
    assert version(client) == 1


def test_failed_test_prompt_is_a_422_and_the_old_state_stays(
    client: FlaskClient, compat: FakeOpenAI
) -> None:
    compat.fail_nth = {len(compat.calls) + 2: 400}  # health check passes, the prompt fails
    r = client.post(
        "/api/providers/switch",
        json={"llm": {"provider": "openai-compatible", "model": "solo-model"}},
    )
    assert r.status_code == 422 and "injected failure" in r.json["message"], r.json
    assert r.json["verification"]["ok"] is False
    assert client.get("/api/providers/status").json["active"]["llm"]["provider"] == "openai"
    assert version(client) == 0 and client.get("/api/providers/history").json["history"] == []


def test_an_empty_reply_to_the_test_prompt_is_a_422_naming_it(
    client: FlaskClient, compat: FakeOpenAI
) -> None:
    compat.reply = ""  # a model without a chat template answers nothing
    r = client.post(
        "/api/providers/switch",
        json={"llm": {"provider": "openai-compatible", "model": "solo-model"}},
    )
    assert r.status_code == 422, r.json
    assert "'solo-model' answered the test prompt" in r.json["message"]
    assert "with no text (finish_reason 'stop'); expected a reply such as 'OK'" in r.json["message"]
    assert '"verify": false' in r.json["hint"] and r.json["verification"]["ok"] is False
    assert client.get("/api/providers/status").json["active"]["llm"]["provider"] == "openai"
    assert version(client) == 0


def test_verify_false_skips_the_prompt(client: FlaskClient, compat: FakeOpenAI) -> None:
    r = client.post(
        "/api/providers/switch",
        json={"llm": {"provider": "openai-compatible", "model": "solo-model"}, "verify": False},
    )
    assert r.status_code == 200 and r.json["verification"] is None
    assert not [c for c in compat.calls if c[1] == "/v1/chat/completions"]


def test_persist_writes_env_keeping_other_lines(client: FlaskClient, settings: Settings) -> None:
    settings.env_file.write_text("# my settings\nOPENAI_API_KEY=sk-test\nLLM_PROVIDER=openai\n")
    r = client.post(
        "/api/providers/switch",
        json={
            "llm": {"provider": "ollama", "model": "mistral"},
            "image": {"provider": "dalle", "model": "dall-e-2"},
            "persist": True,
        },
    )
    assert r.status_code == 200 and r.json["persisted"] is True
    text = settings.env_file.read_text()
    assert text.startswith("# my settings\nOPENAI_API_KEY=sk-test\nLLM_PROVIDER=ollama\n")
    assert dotenv_values(settings.env_file) == {
        "OPENAI_API_KEY": "sk-test",
        "LLM_PROVIDER": "ollama",
        "LLM_MODEL": "mistral:latest",
        "IMAGE_PROVIDER": "dalle",
        "IMAGE_MODEL": "dall-e-2",
    }


def test_health_lists_every_service_and_llm_models_skip_embeddings(client: FlaskClient) -> None:
    services = client.get("/api/providers/health").json["services"]
    assert set(services) == {
        "ollama",
        "lmstudio",
        "flux",
        "vision",
        "openai-compatible",
        "llamacpp",
        "openai",
    }
    assert services["ollama"]["ok"] and not services["lmstudio"]["ok"]
    body = client.get("/api/providers/llm/models").json
    assert "nomic-embed-text" not in body["backends"]["openai-compatible"]["models"]
    assert "dall-e-3" not in body["backends"]["openai"]["models"]
    assert {"provider": "ollama", "model": "llama3.2:latest"} in body["models"]
    assert body["backends"]["lmstudio"]["ok"] is False


def test_health_is_cached_until_refresh(client: FlaskClient, ollama: FakeOllama) -> None:
    first = client.get("/api/providers/health").json
    again = client.get("/api/providers/health").json
    assert again["checked_at"] == first["checked_at"] and again["fresh"]
    forced = client.get("/api/providers/health?refresh=1").json
    assert forced["checked_at"] > first["checked_at"]


def test_flux_up_switch_succeeds(client: FlaskClient, settings: Settings) -> None:
    with FakeFlux() as flux:
        app = client.application
        app.extensions["roundhouse"].settings = replace(settings, flux_api_url=flux.url)
        r = client.post("/api/providers/switch", json={"image": {"provider": "flux"}})
    assert r.status_code == 200 and r.json["image"] == {"provider": "flux", "model": "flux-schnell"}
