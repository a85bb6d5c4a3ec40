"""Redis refusing writes: patient clients wait it out, the broker turns it into a lost link."""

from __future__ import annotations

import pytest
import redis
from redis.backoff import NoBackoff

from roundhouse.core import redis as core_redis
from roundhouse.core.redis import PatientRetry
from roundhouse.tasks import broker

MISCONF = redis.ResponseError("MISCONF Errors writing to the AOF file: No space left on device")


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(core_redis.time, "sleep", slept.append)
    monkeypatch.setattr(broker.time, "sleep", slept.append)
    return slept


def test_a_patient_client_waits_out_refused_writes(sleeps: list[float]) -> None:
    answers = [MISCONF, redis.ReadOnlyError("READONLY replica"), "OK"]

    def do() -> str:
        got = answers.pop(0)
        if isinstance(got, Exception):
            raise got
        return got

    assert PatientRetry(NoBackoff(), retries=0).call_with_retry(do, lambda e: None) == "OK"
    first, second = sleeps  # doubling waits, each shortened by up to half (jitter)
    assert 0.125 <= first <= 0.25 and 0.25 <= second <= 0.5


def test_other_response_errors_are_not_retried(sleeps: list[float]) -> None:
    def do() -> None:
        raise redis.ResponseError("WRONGTYPE Operation against a key")

    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        PatientRetry(NoBackoff(), retries=5).call_with_retry(do, lambda e: None)
    assert sleeps == []


def test_patience_ends(sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core_redis, "REFUSAL_PATIENCE_S", -1.0)

    def do() -> None:
        raise MISCONF

    with pytest.raises(redis.ResponseError, match="MISCONF"):
        PatientRetry(NoBackoff(), retries=0).call_with_retry(do, lambda e: None)


@pytest.mark.parametrize("pause", [True, False])
def test_the_broker_reports_a_refusal_as_a_lost_connection(
    sleeps: list[float], pause: bool
) -> None:
    broker.PAUSE.last = 0.0  # a quiet minute has passed: the pause starts small
    lost = pytest.raises(redis.ConnectionError, match="Redis refuses writes")
    with lost, broker.refusal_as_lost_connection(pause=pause):
        raise MISCONF
    assert sleeps == ([0.5] if pause else [])
    other = pytest.raises(redis.ResponseError, match="WRONGTYPE")
    with other, broker.refusal_as_lost_connection(pause=pause):
        raise redis.ResponseError("WRONGTYPE x")


def test_the_broker_pause_grows_then_resets() -> None:
    pause = broker._Pause(first=0.5, most=2.0)
    assert [pause.next() for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]
    pause.last -= 61
    assert pause.next() == 0.5


def test_the_channel_uses_the_refusal_aware_client() -> None:
    assert issubclass(broker.Client, redis.Redis)
    assert isinstance(broker.Client().pipeline(), broker.Pipeline)


def test_a_channel_sends_every_publish_through_one_client(module_redis: str) -> None:
    """kombu made a redis.Redis per publish; the API sends a task per POST."""
    from kombu import Connection

    broker.register()
    with Connection(module_redis) as conn:
        channel = conn.default_channel
        first = channel._create_client()
        assert isinstance(first, broker.Client)
        assert channel._create_client() is first
        assert channel._create_client(asynchronous=True) is not first
        with conn.Producer() as producer:
            producer.publish({"n": 1}, routing_key="rh-test")
        assert channel._create_client() is first
