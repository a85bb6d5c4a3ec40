"""Access rules: token for changes and streams, own origin only, loopback Host without a token."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.settings import Settings


def client_for(fake_redis, **settings) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app(
        Settings(**settings), client=fake_redis, enqueue=lambda job: None
    ).test_client()


def test_without_a_token_everything_local_is_open(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis)
    assert c.post("/api/jobs", json={"kind": "demo.count"}).status_code == 202
    assert c.get("/api/session").json == {"auth_required": False, "authenticated": True}


def test_foreign_origin_cannot_change_state(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis)
    r = c.post("/api/jobs", json={"kind": "demo.count"}, headers={"Origin": "https://evil.test"})
    assert r.status_code == 403 and "may not call" in r.json["message"]
    assert c.get("/api/jobs").json["jobs"] == []
    ok = c.post("/api/jobs", json={"kind": "demo.count"}, headers={"Origin": "http://localhost"})
    assert ok.status_code == 202


def test_dns_rebinding_host_is_refused_without_a_token(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis)
    r = c.get("/api/jobs", headers={"Host": "attacker.example:8000"})
    assert r.status_code == 403 and "not this machine" in r.json["message"]


@pytest.mark.parametrize(
    "method,path", [("post", "/api/jobs"), ("get", "/api/jobs"), ("get", "/ws")]
)
def test_with_a_token_calls_need_it(fake_redis, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret")
    r = getattr(c, method)(path, json={"kind": "demo.count"} if method == "post" else None)
    assert r.status_code == 401 and "token" in r.json["message"]
    assert c.get("/healthz").status_code == 200


def test_bearer_header_and_login_cookie(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret")
    ok = c.post(
        "/api/jobs", json={"kind": "demo.count"}, headers={"Authorization": "Bearer s3cret"}
    )
    assert ok.status_code == 202
    assert c.post("/api/login", json={"token": "wrong"}).status_code == 401
    r = c.post("/api/login", json={"token": "s3cret"})
    assert r.status_code == 200 and "HttpOnly" in r.headers["Set-Cookie"]
    assert "SameSite=Strict" in r.headers["Set-Cookie"]
    assert c.get("/api/jobs").status_code == 200
    assert c.get("/api/session").json["authenticated"] is True
    c.post("/api/logout")
    assert c.get("/api/jobs").status_code == 401


def test_open_reads_when_configured(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret", open_reads=True)
    assert c.get("/api/jobs").status_code == 200
    assert c.post("/api/jobs", json={"kind": "demo.count"}).status_code == 401


@pytest.mark.parametrize("token", ["tökén", "s3cret\u00e9", "\u00ff" * 40])
def test_a_non_ascii_token_is_a_401_everywhere(fake_redis, token: str) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret")
    assert c.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert c.get("/api/jobs", headers={"X-API-Token": token}).status_code == 401
    c.set_cookie("roundhouse_token", token)
    assert c.get("/api/jobs").status_code == 401
    assert c.post("/api/login", json={"token": token + "💥"}).status_code == 401


def test_a_non_ascii_server_token_still_works(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="pässwörd")
    assert c.post("/api/login", json={"token": "pässwörd"}).status_code == 200
    assert c.get("/api/jobs").status_code == 200
