"""Access rules: token for changes and streams, own origin only, loopback Host without a token."""

from __future__ import annotations

import logging

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
    c.set_cookie("roundhouse_session", token)
    assert c.get("/api/jobs").status_code == 401
    assert c.post("/api/login", json={"token": token + "💥"}).status_code == 401


def test_a_non_ascii_server_token_still_works(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="pässwörd")
    assert c.post("/api/login", json={"token": "pässwörd"}).status_code == 200
    assert c.get("/api/jobs").status_code == 200


def _wrong_logins(c: FlaskClient, n: int, address: str = "10.0.0.1") -> list[int]:
    env = {"REMOTE_ADDR": address}
    return [
        c.post("/api/login", json={"token": f"guess{i}"}, environ_base=env).status_code
        for i in range(n)
    ]


def test_the_11th_wrong_login_in_a_minute_gets_429_and_is_logged_without_the_token(
    fake_redis, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret")
    with caplog.at_level(logging.WARNING, logger="roundhouse.access"):
        assert _wrong_logins(c, 10) == [401] * 10
        r = c.post(
            "/api/login", json={"token": "guess10"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
        )
    assert r.status_code == 429 and r.json["error"] == "too_many_attempts"
    assert 1 <= int(r.headers["Retry-After"]) <= 60 and "10.0.0.1" in r.json["message"]
    again = c.post("/api/login", json={"token": "s3cret"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert again.status_code == 429  # the right token does not get through a blocked address
    assert (
        c.post(
            "/api/login", json={"token": "s3cret"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        ).status_code
        == 200
    )
    lines = [rec.getMessage() for rec in caplog.records]
    assert len(lines) == 10 and all("from 10.0.0.1" in line for line in lines)
    assert not any("guess" in line or "s3cret" in line for line in lines)


def test_bearer_guesses_are_limited_per_address_too(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret", auth_failures_per_minute=3)
    env = {"REMOTE_ADDR": "10.0.0.9"}
    codes = [
        c.get("/api/jobs", headers={"Authorization": f"Bearer g{i}"}, environ_base=env).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    good = {"Authorization": "Bearer s3cret"}
    assert c.get("/api/jobs", headers=good, environ_base=env).status_code == 429
    assert (
        c.get("/api/jobs", headers=good, environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code
        == 200
    )
    assert c.get("/api/jobs", environ_base=env).status_code == 401  # no credentials: not blocked


def test_the_cookie_is_a_signed_session_not_the_token_and_logout_revokes_it(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret")
    r = c.post("/api/login", json={"token": "s3cret"})
    cookie = c.get_cookie("roundhouse_session")
    assert (
        cookie is not None
        and "s3cret" not in cookie.value
        and "s3cret" not in r.headers["Set-Cookie"]
    )
    assert "Secure" not in r.headers["Set-Cookie"]  # plain http
    assert c.get("/api/jobs").status_code == 200
    stolen = cookie.value
    c.post("/api/logout")
    assert c.get("/api/jobs").status_code == 401
    c.set_cookie("roundhouse_session", stolen)
    assert c.get("/api/jobs").status_code == 401  # revoked server-side
    assert c.get("/api/session").json == {"auth_required": True, "authenticated": False}


def test_a_forged_or_old_token_cookie_is_refused(fake_redis) -> None:  # type: ignore[no-untyped-def]
    c = client_for(fake_redis, api_token="s3cret")
    c.post("/api/login", json={"token": "s3cret"})
    value = c.get_cookie("roundhouse_session").value
    session_id = value.rsplit(".", 1)[0]
    c.set_cookie("roundhouse_session", session_id + ".forged")
    assert c.get("/api/jobs").status_code == 401
    rotated = client_for(fake_redis, api_token="n3w-token")  # same Redis, new token
    rotated.set_cookie("roundhouse_session", value)
    assert rotated.get("/api/jobs").status_code == 401  # a new token ends every session


def test_secure_over_https_and_behind_a_trusted_proxy(fake_redis) -> None:  # type: ignore[no-untyped-def]
    direct = client_for(fake_redis, api_token="s3cret")
    r = direct.post("/api/login", json={"token": "s3cret"}, base_url="https://localhost")
    assert "Secure" in r.headers["Set-Cookie"]
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    r = direct.post("/api/login", json={"token": "s3cret"}, headers=proxied)
    assert "Secure" not in r.headers["Set-Cookie"]  # a proxy is not believed unless configured
    behind = client_for(fake_redis, api_token="s3cret", trusted_proxies=1)
    r = behind.post("/api/login", json={"token": "s3cret"}, headers=proxied)
    assert "Secure" in r.headers["Set-Cookie"]
    for _ in range(10):
        behind.post("/api/login", json={"token": "x"}, headers=proxied)
    assert behind.post("/api/login", json={"token": "x"}, headers=proxied).status_code == 429
    other = {**proxied, "X-Forwarded-For": "203.0.113.8"}
    assert behind.post("/api/login", json={"token": "s3cret"}, headers=other).status_code == 200
