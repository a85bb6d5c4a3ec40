from __future__ import annotations

import httpx
import pytest

from roundhouse.core.errors import InvalidRequest, NotFound, Unavailable
from roundhouse.providers.ollama import OllamaClient
from roundhouse.providers.ollama.installed import parse_time
from tests.fakes.ollama import FakeOllama
from tests.helpers import free_port


@pytest.fixture
def ollama() -> FakeOllama:
    """Reached through its transport: no socket."""
    return FakeOllama(installed=["llama3.2", "mistral"], tick=0)


def client_of(fake: FakeOllama) -> OllamaClient:
    return OllamaClient(fake.url, client=httpx.Client(transport=fake.transport()))


def test_version_and_is_up(ollama: FakeOllama) -> None:
    client = client_of(ollama)
    assert client.version() == "0.12.3"
    assert client.is_up()


def test_tags_lists_installed_models_with_details(ollama: FakeOllama) -> None:
    models = {m.name: m for m in client_of(ollama).tags()}
    assert set(models) == {"llama3.2:latest", "mistral:latest"}
    llama = models["llama3.2:latest"]
    assert llama.family == "llama"
    assert llama.parameter_size == "3.2B"
    assert llama.quantization == "Q4_K_M"
    assert len(llama.digest) == 64 and not llama.digest.startswith("sha256:")
    assert llama.size == sum(
        layer.size for layer in ollama.state.registry["llama3.2:latest"].layers
    )
    assert llama.modified is not None and llama.modified.tzinfo is not None
    assert llama.to_dict()["modified"].startswith(str(llama.modified.year))


def test_delete_removes_and_then_is_not_found(ollama: FakeOllama) -> None:
    client = client_of(ollama)
    client.delete("mistral")
    assert not client.has("mistral")
    with pytest.raises(NotFound) as caught:
        client.delete("mistral")
    assert "not found" in caught.value.message


def test_invalid_name_is_refused_before_any_request(ollama: FakeOllama) -> None:
    with pytest.raises(InvalidRequest):
        client_of(ollama).delete("bad name")
    assert ollama.snapshot()["installed"] == ["llama3.2:latest", "mistral:latest"]


def test_connection_refused_is_unavailable_with_a_hint() -> None:
    client = OllamaClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    assert not client.is_up()
    with pytest.raises(Unavailable) as caught:
        client.tags()
    assert caught.value.provider == "ollama"
    assert "ollama serve" in (caught.value.hint or "")


def test_nanosecond_timestamps_parse() -> None:
    parsed = parse_time("2025-05-04T17:37:44.706015396-07:00")
    assert parsed is not None and parsed.microsecond == 706015
    assert parse_time("2025-01-01T12:00:00.1234567Z") is not None
    assert parse_time("garbage") is None
