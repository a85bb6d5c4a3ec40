"""/api/connections through Flask's test client: fakeredis for state, loopback fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.health_cache import HealthCache
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings
from tests.fakes.hub import FakeHub
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI
from tests.helpers import free_port

GOOD_KEY = "sk-proj-good-0123456789abcd"
WRONG_KEY = "sk-proj-wrong-9876543210wxyz"


@pytest.fixture(scope="module")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with (
        FakeOllama(installed=["llama3.2"]) as first,
        FakeOllama(installed=["mistral"]) as second,
        FakeOpenAI(api_key=GOOD_KEY) as openai,
        FakeHub(tmp_path_factory.mktemp("hub")) as hub,
    ):
        hub.accounts["hf_good_token_1234"] = "ana"
        yield {"first": first, "second": second, "openai": openai, "hub": hub}


@pytest.fixture
def settings(tmp_path: Path, fakes: dict) -> Settings:
    return Settings(
        ollama_base_url=fakes["first"].url,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",
        openai_base_url=fakes["openai"].url + "/v1",
        openai_api_key=GOOD_KEY,
        hf_endpoint=fakes["hub"].url,
        env_file=tmp_path / ".env",
        health_timeout_s=1.0,
    )


@pytest.fixture
def client(fake_redis, settings: Settings) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app(settings, client=fake_redis, enqueue=lambda job: None).test_client()


def feed_text(fake_redis) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(fake_redis.xrange("rh:events"))


def test_listing_shows_urls_and_masks_keys(client: FlaskClient, fakes: dict) -> None:
    body = client.get("/api/connections").json
    conns = body["connections"]
    assert conns["ollama"]["url"] == fakes["first"].url
    assert conns["ollama"]["url_source"] == "default" and conns["ollama"]["page"].endswith("ollama")
    assert conns["openai"]["key"] == {
        "set": True,
        "masked": "sk-…abcd",
        "source": "default",
        "env": "OPENAI_API_KEY",
    }
    assert conns["huggingface"]["key"]["set"] is False
    assert GOOD_KEY not in json.dumps(body)


def test_a_new_ollama_url_is_tested_saved_and_used_by_the_next_request(
    client: FlaskClient, fakes: dict, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/connections/ollama", json={"url": fakes["second"].url + "/"})
    assert r.status_code == 200, r.json
    assert r.json["test"]["ok"] and r.json["connection"]["url"] == fakes["second"].url
    assert r.json["connection"]["url_source"] == "runtime"
    health = client.get("/api/providers/health").json["services"]["ollama"]
    assert health["url"] == fakes["second"].url + "/api/tags"
    assert "mistral:latest" in health["models"]
    installed = client.get("/api/providers/models/status").json
    assert "mistral:latest" in json.dumps(installed) and "llama3.2" not in json.dumps(installed)
    event = json.loads(fake_redis.xrange("rh:events")[-1][1]["e"])
    assert event["type"] == "connections" and event["name"] == "ollama"
    r = client.post("/api/connections/ollama", json={"reset": ["url"]})
    assert r.status_code == 200 and r.json["connection"]["url"] == fakes["first"].url


def test_health_never_shows_the_old_address_after_a_url_change(
    client: FlaskClient, fakes: dict, settings: Settings, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    first, second = fakes["first"].url, fakes["second"].url
    assert client.get("/api/providers/health").json["services"]["ollama"]["url"] == (
        first + "/api/tags"
    )  # the cache is fresh, at the old address
    assert client.post("/api/connections/ollama", json={"url": second}).status_code == 200
    # a full check begun before the change, with the old address, lands after it
    stale = {"ollama": {"ok": True, "url": first + "/api/tags", "models": ["llama3.2:latest"]}}
    cache = HealthCache(fake_redis, Keys(settings.key_prefix), ttl_s=60, lock_s=3, feed_cap=100)
    cache.record(stale, full=True)
    for path in ("/api/providers/status", "/api/providers/health"):
        body = client.get(path).json
        shown = (body.get("health") or body.get("services"))["ollama"]
        assert shown["url"] == second + "/api/tags" and "mistral:latest" in shown["models"], path
    # a reset is not tested, but the health shows the default's address again at once
    assert client.post("/api/connections/ollama", json={"reset": ["url"]}).status_code == 200
    assert cache.read().results["ollama"]["url"] == first + "/api/tags"
    shown = client.get("/api/providers/status").json["health"]["ollama"]
    assert shown["url"] == first + "/api/tags" and "llama3.2:latest" in shown["models"]


def test_a_metrics_scrape_after_a_url_change_keeps_the_new_addresses_health(
    client: FlaskClient, fakes: dict, settings: Settings, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics").status_code == 200  # the collector is made on the first one
    r = client.post("/api/connections/ollama", json={"url": fakes["second"].url})
    assert r.status_code == 200
    assert "roundhouse_service_up" in client.get("/metrics").get_data(as_text=True)
    cache = HealthCache(fake_redis, Keys(settings.key_prefix), ttl_s=60, lock_s=3, feed_cap=100)
    assert cache.read().results["ollama"]["url"] == fakes["second"].url + "/api/tags"


def test_a_new_openai_key_shows_in_its_health_at_once(
    client: FlaskClient, settings: Settings, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    cache = HealthCache(fake_redis, Keys(settings.key_prefix), ttl_s=60, lock_s=3, feed_cap=100)
    url = client.get("/api/providers/health").json["services"]["openai"]["url"]
    cache.record({"openai": {"ok": False, "url": url, "error": "no API key configured"}})
    assert client.get("/api/providers/status").json["health"]["openai"]["ok"] is False
    r = client.post("/api/connections/openai", json={"key": GOOD_KEY})
    assert r.status_code == 200, r.json
    shown = client.get("/api/providers/status").json["health"]["openai"]
    assert shown["ok"] is True and "gpt-4o-mini" in shown["models"]
    assert "dall-e-3" not in shown["models"]  # the health check's own list: chat models only


def test_a_dead_url_is_refused_with_the_reason_and_changes_nothing(
    client: FlaskClient, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    dead = f"http://127.0.0.1:{free_port()}"
    r = client.post("/api/connections/ollama", json={"url": dead})
    assert r.status_code == 422
    assert r.json["message"] == f"Ollama at {dead}/api/tags failed the test: " + (
        "not running (connection refused)"
    )
    assert fake_redis.hgetall("rh:connections") == {}
    assert client.get("/api/connections").json["version"] == 0


def test_a_wrong_key_is_refused_with_the_providers_401_and_never_echoed(
    client: FlaskClient, settings: Settings, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/connections/openai", json={"key": WRONG_KEY, "persist": True})
    assert r.status_code == 422 and r.json["provider_status"] == 401
    assert "Incorrect API key provided" in r.json["message"]
    assert "/#connections/openai" in r.json["hint"]
    assert "roundhouse connect openai --key" in r.json["hint"]
    assert WRONG_KEY not in r.get_data(as_text=True)
    assert fake_redis.hgetall("rh:connections") == {} and not settings.env_file.exists()
    assert WRONG_KEY not in feed_text(fake_redis)


def test_a_good_key_is_saved_masked_and_written_to_env_only_when_asked(
    client: FlaskClient, settings: Settings, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    token = "hf_good_token_1234"
    r = client.post("/api/connections/hf", json={"key": token})
    assert r.status_code == 200, r.json
    assert r.json["test"]["user"] == "ana" and r.json["connection"]["key"]["masked"] == "hf_…1234"
    assert not settings.env_file.exists()
    r = client.post("/api/connections/huggingface", json={"key": token, "persist": True})
    assert r.status_code == 200 and r.json["persisted"] is True
    assert dotenv_values(settings.env_file) == {"HF_TOKEN": token}
    listing = client.get("/api/connections").get_data(as_text=True)
    assert token not in listing and token not in feed_text(fake_redis)
    r = client.post("/api/connections/huggingface", json={"key": "hf_wrong_token_999"})
    assert r.status_code == 422 and "Invalid credentials" in r.json["message"]
    assert r.json["provider_status"] == 401


@pytest.mark.parametrize(
    ("name", "body", "needle"),
    [
        ("ollama", {"url": "ftp://127.0.0.1:21"}, "Only http:// and https://"),
        ("ollama", {"url": "http://ana:secret@127.0.0.1:11434"}, "Credentials inside a URL"),
        ("ollama", {"url": "http://127.0.0.1:11434/?x=1"}, "without ?query"),
        ("ollama", {"url": "not a url"}, "spaces"),
        ("ollama", {"key": "abc"}, "has no key"),
        ("huggingface", {"url": "http://127.0.0.1:1"}, "has no url"),
        ("ollama", {}, "Nothing to change"),
        ("ollama", {"reset": ["everything"]}, "'reset' must be"),
        ("skynet", {"url": "http://127.0.0.1:1"}, "Unknown connection"),
        ("ollama", {"url": "http://127.0.0.1:1", "extra": 1}, "Unknown field"),
        ("openai", {"key": "has space"}, "spaces"),
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(
    client: FlaskClient, fake_redis, name: str, body: dict, needle: str
) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/api/connections/{name}", json=body)
    assert r.status_code == 400 and needle in r.json["message"], r.json
    assert fake_redis.hgetall("rh:connections") == {}
    assert "secret" not in r.get_data(as_text=True)


def test_a_reset_to_an_unset_default_needs_no_test(client: FlaskClient, fakes: dict) -> None:
    r = client.post("/api/connections/compat", json={"url": fakes["openai"].url, "key": GOOD_KEY})
    assert r.status_code == 200, r.json
    r = client.post("/api/connections/compat", json={"reset": ["url", "key"]})
    assert r.status_code == 200 and r.json["connection"]["url"] == ""
    assert r.json["connection"]["key"]["set"] is False
