"""Inputs an outside probe turned into 500s (issue #12 D5-D8) are clear 4xx answers now."""

from __future__ import annotations

from pathlib import Path

import fakeredis
import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.envfile import quote
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.media import beam_file
from roundhouse.core.settings import Settings
from roundhouse.providers import hf

DEEP = "[" * 30000 + "]" * 30000
JSON_ENDPOINTS = [
    "/api/jobs",
    "/api/beam-search",
    "/api/login",
    "/api/providers/switch",
    "/api/providers/models/install",
    "/api/providers/models/hf-download",
    "/api/providers/models/download",
    "/api/providers/services/start",
]


@pytest.fixture
def client(fake_redis: fakeredis.FakeRedis, tmp_path: Path) -> FlaskClient:
    settings = Settings(data_dir=tmp_path, hf_endpoint="http://127.0.0.1:9").resolved()
    return create_app(settings, client=fake_redis, enqueue=lambda job: None).test_client()


def _post_raw(client: FlaskClient, url: str, raw: str) -> object:
    return client.post(url, data=raw.encode(), content_type="application/json")


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_deeply_nested_json_is_a_400(client: FlaskClient, url: str) -> None:
    r = _post_raw(client, url, DEEP)
    assert r.status_code == 400 and "nested deeper than 32 levels" in r.json["message"], r.json


def test_nesting_just_past_the_limit_is_refused_and_within_it_is_read(client: FlaskClient) -> None:
    r = _post_raw(client, "/api/jobs", "[" * 33 + "]" * 33)
    assert r.status_code == 400 and "deeper than 32" in r.json["message"]
    r = _post_raw(client, "/api/jobs", "[" * 32 + "]" * 32)
    assert r.status_code == 400 and "must be a JSON object" in r.json["message"]
    r = _post_raw(client, "/api/jobs", '{"kind": "demo.count", "params": {"steps": 2}}')
    assert r.status_code == 202


@pytest.mark.parametrize(
    ("url", "raw"),
    [
        ("/api/beam-search", '{"prompt": "\\ud800"}'),
        ("/api/beam-search", '{"prompt": "a fox \\udfff at dusk"}'),
        ("/api/jobs", '{"kind": "demo.count", "params": {"\\ud800": 1}}'),
        ("/api/providers/models/hf-download", '{"repo_id": "org/x", "file": "a\\ud800.gguf"}'),
    ],
)
def test_a_lone_surrogate_is_a_400(client: FlaskClient, url: str, raw: str) -> None:
    r = _post_raw(client, url, raw)
    assert r.status_code == 400 and "lone surrogate" in r.json["message"], r.json
    assert client.get("/api/jobs").json["jobs"] == []


def test_a_real_pair_is_fine(client: FlaskClient) -> None:
    r = _post_raw(
        client, "/api/jobs", '{"kind": "demo.count", "params": {"steps": "\\ud83e\\udd8a"}}'
    )
    assert r.status_code == 400 and "steps must be" in r.json["message"]  # parsed, then validated


@pytest.mark.parametrize("repo_id", ["org/x\n", "org\n/x", "org/x\r", "org/x\u2028"])
def test_a_repo_id_with_a_final_newline_is_a_400(client: FlaskClient, repo_id: str) -> None:
    r = client.post(
        "/api/providers/models/hf-download", json={"repo_id": repo_id, "quant": "Q4_K_M"}
    )
    assert r.status_code == 400 and "repo id" in r.json["message"], r.json


@pytest.mark.parametrize(
    "check",
    [
        lambda: hf.validate_quant("Q4_K_M\n"),
        lambda: hf.validate_repo_id("org/x\n"),
        lambda: beam_file(Path("/tmp"), "job\n", "c1.png"),
    ],
)
def test_validators_match_the_whole_string(check) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidRequest):
        check()


def test_other_anchored_patterns_match_the_whole_string() -> None:
    assert hf.split_info("m-00001-of-00002.gguf\n") is None
    assert quote("plain\n") == '"plain\\n"'  # a newline is quoted, never written bare


def test_a_bad_websocket_message_is_an_error_frame_not_a_crash() -> None:
    from roundhouse.api.routes.ws import _parse

    assert "nested" in _parse(DEEP)["_error"]
    assert "lone surrogate" in _parse('{"subscribe": ["\\ud800"]}')["_error"]


@pytest.mark.parametrize("revision", ["ré", "a\tb", "v1:x", "x\x00", "a..b", "a b"])
def test_a_revision_that_is_no_git_ref_is_a_400(client: FlaskClient, revision: str) -> None:
    body = {"repo_id": "org/x", "quant": "Q4_K_M", "revision": revision}
    r = client.post("/api/providers/models/hf-download", json=body)
    assert r.status_code == 400 and "is not a branch, tag or commit id" in r.json["message"]
