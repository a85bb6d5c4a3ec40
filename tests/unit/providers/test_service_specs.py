"""The service catalog: built from settings values only, unknown names refused."""

from __future__ import annotations

import pytest

from roundhouse.core.errors import Conflict, InvalidRequest
from roundhouse.providers.services.launch import require_startable
from roundhouse.providers.services.specs import SPEC_FIELDS, build_specs, lookup


def test_defaults_match_the_real_services() -> None:
    catalog = build_specs()
    known = ["flux", "llamacpp", "lmstudio", "ollama", "openai-compatible", "vision"]
    assert sorted(catalog) == known
    ollama, lms = catalog["ollama"], catalog["lmstudio"]
    assert ollama.argv == ("ollama", "serve") and ollama.port == 11434
    assert ollama.health_url == "http://127.0.0.1:11434/api/tags"
    assert ollama.env == {"OLLAMA_HOST": "127.0.0.1:11434"}
    assert "https://ollama.com/download" in ollama.install_hint
    assert lms.argv == ("lms", "server", "start") and lms.port == 1234
    assert lms.health_url == "http://127.0.0.1:1234/v1/models"
    assert lms.stop_argv == ("lms", "server", "stop")
    assert catalog["flux"].port == 8001 and catalog["flux"].health_url.endswith("/health")
    assert catalog["vision"].port == 8002 and catalog["vision"].role == "vision"


def test_ports_and_urls_follow_the_configured_base_urls() -> None:
    catalog = build_specs(
        ollama_base_url="http://localhost:11500/",
        compat_command="llama-server -m 'my model.gguf' --port 8080",
        compat_base_url="http://127.0.0.1:8080/v1",
        service_start_deadline_s=5,
    )
    assert catalog["ollama"].port == 11500
    assert catalog["ollama"].health_url == "http://localhost:11500/api/tags"
    compat = catalog["openai-compatible"]
    assert compat.argv == ("llama-server", "-m", "my model.gguf", "--port", "8080")
    assert (compat.port, compat.health_url) == (8080, "http://127.0.0.1:8080/v1/models")
    assert compat.start_deadline_s == 5


def test_catalog_fields_are_exactly_the_keyword_arguments() -> None:
    build_specs(**{name: build_specs.__kwdefaults__[name] for name in SPEC_FIELDS})
    assert set(SPEC_FIELDS) == set(build_specs.__kwdefaults__)


def test_unknown_service_is_refused_listing_the_known_ones() -> None:
    catalog = build_specs()
    with pytest.raises(InvalidRequest) as caught:
        lookup(catalog, "rm -rf /")
    assert "ollama" in caught.value.message and "openai-compatible" in caught.value.message
    assert caught.value.details["known"] == sorted(catalog)
    with pytest.raises(InvalidRequest):
        lookup(catalog, ["ollama"])  # type: ignore[arg-type]


def test_unconfigured_service_says_which_setting_to_set() -> None:
    flux = build_specs()["flux"]
    assert not flux.configured
    with pytest.raises(Conflict) as caught:
        require_startable(flux)
    assert "not configured" in caught.value.message
    assert caught.value.hint == "Set ROUNDHOUSE_FLUX_COMMAND"


def test_remote_service_is_not_started_here() -> None:
    ollama = build_specs(ollama_base_url="http://gpu-box:11434")["ollama"]
    with pytest.raises(Conflict, match="not on this machine"):
        require_startable(ollama)


def test_missing_executable_names_it_and_how_to_install() -> None:
    ollama = build_specs(ollama_command="no-such-ollama-binary serve")["ollama"]
    with pytest.raises(Conflict) as caught:
        require_startable(ollama)
    assert "'no-such-ollama-binary' was not found" in caught.value.message
    assert caught.value.hint == "Install Ollama from https://ollama.com/download"
