"""Redis down or refusing writes is a clear 503/507, never a 500 with a traceback."""

from __future__ import annotations

import fakeredis
import pytest
import redis
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.redis import write_refusal
from roundhouse.core.settings import Settings

MISCONF = "MISCONF Errors writing to the AOF file: No space left on device"


@pytest.fixture
def client(fake_redis: fakeredis.FakeRedis) -> FlaskClient:
    settings = Settings(hostname="box", redis_url="redis://127.0.0.1:6379/0")
    app = create_app(settings, client=fake_redis, enqueue=lambda job: None)

    @app.get("/raise/<what>")
    def boom(what: str):  # type: ignore[no-untyped-def]
        raise {
            "down": redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379."),
            "slow": redis.TimeoutError("Timeout reading from socket"),
            "misconf": redis.ResponseError(MISCONF),
            "script": redis.ResponseError(
                f"Error running script (call to f_1): @user_script:3: {MISCONF}"
            ),
            "readonly": redis.ReadOnlyError(
                "READONLY You can't write against a read only replica."
            ),
            "oom": redis.OutOfMemoryError(
                "OOM command not allowed when used memory > 'maxmemory'."
            ),
            "other": redis.ResponseError("WRONGTYPE Operation against a key"),
        }[what]

    return app.test_client()


@pytest.mark.parametrize("what", ["down", "slow"])
def test_redis_down_is_a_503_saying_so(client: FlaskClient, what: str) -> None:
    r = client.get(f"/raise/{what}")
    assert r.status_code == 503 and r.json["error"] == "redis_unavailable"
    assert "nothing was changed" in r.json["message"]


@pytest.mark.parametrize("what", ["misconf", "script"])
def test_a_full_disk_under_redis_is_a_507_naming_the_host(client: FlaskClient, what: str) -> None:
    r = client.get(f"/raise/{what}")
    assert r.status_code == 507 and r.json["error"] == "disk_full"
    assert r.json["message"] == "disk full on box: free space, then retry"


@pytest.mark.parametrize(
    ("what", "code"), [("readonly", "redis_read_only"), ("oom", "redis_out_of_memory")]
)
def test_other_write_refusals_are_503(client: FlaskClient, what: str, code: str) -> None:
    r = client.get(f"/raise/{what}")
    assert r.status_code == 503 and r.json["error"] == code


def test_any_other_redis_error_stays_a_500(client: FlaskClient) -> None:
    assert client.get("/raise/other").status_code == 500


def test_write_refusal_reads_the_first_word() -> None:
    assert write_refusal(redis.ResponseError(MISCONF))[0] == "disk_full"  # type: ignore[index]
    assert write_refusal(redis.ResponseError("ERR unknown command 'OOMX'")) is None
    assert write_refusal(ValueError("MISCONF")) is None
