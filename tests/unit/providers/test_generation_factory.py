"""build(snapshot): which client each provider name gives, and the 400s for bad snapshots."""

from __future__ import annotations

import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.providers.generation import Clients, build
from roundhouse.providers.generation.image import FluxImage, OpenAIImage
from roundhouse.providers.generation.llm import ChatCompletionsLLM, OllamaLLM
from roundhouse.providers.generation.vision import GptVision, LocalVision
from tests.fakes.flux import FakeFlux
from tests.fakes.openai import FakeOpenAI
from tests.fakes.vision import FakeVision

LOCAL = {
    "llm": {"provider": "ollama", "model": "llama3.2"},
    "image": {"provider": "flux", "model": "flux-schnell"},
    "vision": {"provider": "local"},
    "version": 7,
}
CLOUD = {
    "llm": {"provider": "openai", "model": "gpt-4o"},
    "image": {"provider": "dalle"},
    "vision": {"provider": "gpt-vision"},
    "openai": {"api_key": "sk-x", "base_url": "http://127.0.0.1:9/v1"},
}


def test_local_snapshot_uses_default_urls() -> None:
    with build(LOCAL) as clients:
        assert isinstance(clients.llm, OllamaLLM)
        assert isinstance(clients.image, FluxImage) and isinstance(clients.vision, LocalVision)
        assert clients.llm.endpoint.base_url == "http://127.0.0.1:11434"
        assert clients.image.endpoint.base_url == "http://127.0.0.1:8001"
        assert clients.vision.endpoint.base_url == "http://127.0.0.1:8002"
        assert clients.describe() == {
            "llm": "ollama/llama3.2",
            "image": "flux/flux-schnell",
            "vision": "local/clip",
            "version": 7,
        }


def test_openai_roles_share_the_openai_block() -> None:
    with build(CLOUD) as clients:
        assert isinstance(clients.llm, ChatCompletionsLLM)
        assert isinstance(clients.image, OpenAIImage) and isinstance(clients.vision, GptVision)
        for c in (clients.llm, clients.image, clients.vision):
            assert c.endpoint.base_url == "http://127.0.0.1:9/v1"  # type: ignore[union-attr]
        assert clients.describe()["image"] == "dalle/dall-e-3"


def test_a_role_may_override_the_openai_block() -> None:
    snap = {
        "llm": {"provider": "openai", "api_key": "sk-own", "base_url": "http://h/v1"},
        "openai": {"api_key": "sk-shared"},
    }
    llm = build(snap).llm
    assert llm.endpoint._http.headers["authorization"] == "Bearer sk-own"  # type: ignore[attr-defined]


def test_llm_only_snapshot_has_no_image_or_vision() -> None:
    clients = build({"llm": {"provider": "lmstudio", "model": "qwen"}})
    assert clients.image is None and clients.vision is None and clients.version is None


@pytest.mark.parametrize(
    ("snapshot", "message"),
    [
        ({}, "no 'llm' role"),
        ({"llm": {"provider": "claude"}}, "unknown llm provider 'claude'; choose one of openai"),
        ({"llm": {"provider": "ollama"}}, "needs a model name"),
        ({"llm": {"provider": "openai-compatible", "model": "m"}}, "needs a base_url"),
        ({"llm": {"provider": "openai"}}, "OpenAI: no OpenAI API key configured"),
        (
            {"llm": {"provider": "ollama", "model": "m"}, "image": {"provider": "sdxl"}},
            "unknown image provider 'sdxl'; choose one of dalle, flux",
        ),
        (
            {"llm": {"provider": "ollama", "model": "m"}, "vision": {"provider": "clip"}},
            "choose one of gpt-vision, local",
        ),
    ],
)
def test_bad_snapshots_are_invalid_requests(snapshot: dict, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        build(snapshot)


def test_built_clients_talk_to_their_services() -> None:
    with FakeOpenAI() as openai, FakeFlux() as flux, FakeVision() as vision:
        snap = {
            "llm": {"provider": "openai", "model": "gpt-4o-mini"},
            "image": {"provider": "flux", "base_url": flux.url},
            "vision": {"provider": "local", "base_url": vision.url},
            "openai": {"api_key": "sk-test", "base_url": openai.url},
        }
        with build(snap) as clients:
            assert isinstance(clients, Clients)
            png = clients.image.generate("a", width=256, height=256)  # type: ignore[union-attr]
            assert 0 <= clients.vision.score(png, "a").value <= 1  # type: ignore[union-attr]
            assert clients.llm.complete("Say OK") == "OK"
