"""The LLM clients against fakes that speak the real protocols, and the switch's test prompt.

Ollama runs against tests/fakes/ollama (FakeOllama), LM Studio against tests/fakes/lmstudio
(FakeLMStudio), OpenAI and other compatible servers against tests/fakes/openai (FakeOpenAI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roundhouse.core.errors import ProviderError, Unavailable
from roundhouse.providers.generation import Retry, build_llm, probe_llm
from tests.fakes.lmstudio import FakeLMStudio, model_key, seed
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI

FAST = Retry(attempts=2, backoff_s=0.01)


def llm_for(provider: str, url: str, model: str, **extra: str):  # noqa: ANN201
    snapshot = {"llm": {"provider": provider, "model": model, "base_url": url, **extra}}
    return build_llm(snapshot, retry=FAST)


def test_openai_chat_sends_key_and_completion_limit() -> None:
    with FakeOpenAI() as fake:
        llm = llm_for("openai", fake.url + "/v1", "gpt-4o-mini", api_key="sk-test")
        assert llm.complete("Say OK", max_tokens=5) == "OK"
        assert llm.complete([{"role": "user", "content": "one two three"}]) == "echo: one two three"
    _, path, body = fake.calls[0]
    assert path == "/v1/chat/completions"
    assert body["max_completion_tokens"] == 5 and "max_tokens" not in body


def test_openai_wrong_key_is_a_provider_error_with_openais_words() -> None:
    with FakeOpenAI() as fake:
        llm = llm_for("openai", fake.url, "gpt-4o-mini", api_key="sk-wrong")
        with pytest.raises(ProviderError) as err:
            llm.complete("hi")
    assert "Incorrect API key provided" in err.value.message
    assert err.value.message.startswith("OpenAI: ")
    assert err.value.hint == "check the API key" and err.value.details["status"] == 401
    assert len(fake.calls) == 1  # 4xx is never retried


def test_openai_unknown_model() -> None:
    with FakeOpenAI() as fake:
        llm = llm_for("openai", fake.url, "gpt-9", api_key="sk-test")
        with pytest.raises(ProviderError, match="`gpt-9` does not exist") as err:
            llm.complete("hi")
    assert "gpt-9" in (err.value.hint or "")


def test_ollama_chat_is_non_streaming_without_thinking() -> None:
    with FakeOllama(installed=["llama3.2"]) as fake:
        llm = llm_for("ollama", fake.url, "llama3.2")
        assert llm.complete("hello there", max_tokens=20) == "Echo: hello there"
        reply = llm.chat("hello there again", max_tokens=2)
    assert reply.finish_reason == "length" and reply.model == "llama3.2"


def test_ollama_missing_model_says_pull_it() -> None:
    with FakeOllama() as fake, pytest.raises(ProviderError) as err:
        llm_for("ollama", fake.url, "qwen3").complete("hi")
    assert err.value.message == "Ollama: model 'qwen3' not found (HTTP 404)"
    assert "ollama pull qwen3" in (err.value.hint or "")


def test_ollama_down_says_start_ollama() -> None:
    with FakeOllama() as fake:
        url = fake.url
    with pytest.raises(Unavailable) as err:
        llm_for("ollama", url, "llama3.2").complete("hi")
    assert err.value.message == f"Ollama: cannot connect to {url}"
    assert "start Ollama" in (err.value.hint or "")


@pytest.mark.parametrize("provider", ["lmstudio", "openai-compatible"])
def test_openai_compatible_servers_without_key(provider: str) -> None:
    with FakeOpenAI(api_key=None, models=("qwen2.5-7b-instruct",)) as fake:
        llm = llm_for(provider, fake.url, "qwen2.5-7b-instruct")
        assert llm.complete("Say OK", max_tokens=3) == "OK"
    assert fake.calls[0][1] == "/v1/chat/completions"
    assert fake.calls[0][2]["max_tokens"] == 3


def test_compatible_server_with_key() -> None:
    with FakeOpenAI(api_key="local-key", models=("m",)) as fake:
        assert llm_for("openai-compatible", fake.url, "m", api_key="local-key").complete("OK")


def test_probe_passes_within_ten_tokens() -> None:
    with FakeOllama(installed=["llama3.2"]) as fake:
        result = probe_llm(llm_for("ollama", fake.url, "llama3.2"), deadline_s=5)
    assert result["answer"] == "OK" and result["provider"] == "ollama"
    with FakeOpenAI() as fake:
        probe_llm(llm_for("openai", fake.url, "gpt-4o-mini", api_key="sk-test"))
    assert fake.calls[0][2]["max_completion_tokens"] <= 10


def test_probe_raises_the_providers_error() -> None:
    with FakeOpenAI() as fake:
        llm = llm_for("openai", fake.url, "gpt-4o-mini", api_key="sk-nope")
        with pytest.raises(ProviderError, match="Incorrect API key"):
            probe_llm(llm)


def test_probe_catches_lmstudio_answering_with_another_model() -> None:
    fake = FakeOpenAI(api_key=None, models=("a",), served_model="gemma-3-1b")
    with fake, pytest.raises(ProviderError, match="'gemma-3-1b' answered") as err:
        probe_llm(llm_for("lmstudio", fake.url, "qwen2.5-7b-instruct"))
    assert "lms load qwen2.5-7b-instruct" in (err.value.hint or "")


@pytest.mark.parametrize("reply", ["", "  \n "])
def test_probe_refuses_a_reply_with_no_text(reply: str) -> None:
    fake = FakeOpenAI(api_key=None, models=("m",), reply=reply)
    with fake, pytest.raises(ProviderError) as err:
        probe_llm(llm_for("openai-compatible", fake.url, "m"))
    assert err.value.message == (
        "OpenAI-compatible server: 'm' answered the test prompt ('Reply with the single word "
        "OK.') with no text (finish_reason 'stop'); expected a reply such as 'OK'"
    )
    assert err.value.details["empty_reply"] is True


def test_probe_keeps_any_reply_with_text_for_the_user_to_judge() -> None:
    with FakeOpenAI(api_key=None, models=("m",), reply="Sure thing!") as fake:
        assert probe_llm(llm_for("openai-compatible", fake.url, "m"))["answer"] == "Sure thing!"


def test_probe_respects_its_deadline() -> None:
    with FakeOpenAI(latency=1.0) as fake:
        llm = llm_for("openai", fake.url, "gpt-4o-mini", api_key="sk-test")
        with pytest.raises(ProviderError, match="no answer within 0.2s"):
            probe_llm(llm, deadline_s=0.2)


def test_lmstudio_against_its_fake(tmp_path: Path) -> None:
    key = model_key(seed(tmp_path)[0])
    with FakeLMStudio(tmp_path) as fake:
        llm = llm_for("lmstudio", fake.url, key)
        assert probe_llm(llm)["answer"] == "OK"
        assert llm.complete("hello") == "Echo: hello"


def test_lmstudio_unknown_model_says_load_it(tmp_path: Path) -> None:
    with FakeLMStudio(tmp_path) as fake, pytest.raises(ProviderError) as err:
        llm_for("lmstudio", fake.url + "/v1", "nope").complete("hi")
    assert err.value.message.startswith('LM Studio: Model "nope" not found')
    assert "lms load nope" in (err.value.hint or "")
