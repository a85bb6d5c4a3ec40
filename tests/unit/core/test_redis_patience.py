"""A patient client outlasts a lost Redis for as long as its patience, not a count of tries."""

from __future__ import annotations

import time

import pytest
import redis
from redis.backoff import NoBackoff

from roundhouse.cli.stack import free_port
from roundhouse.core.redis import PatientRetry
from roundhouse.core.settings import Settings
from roundhouse.tasks.context import WorkerContext


def failing(times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def do() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise redis.ConnectionError("Connection refused")
        return "PONG"

    return calls, do


def test_tries_go_on_past_any_count_while_patience_lasts() -> None:
    calls, do = failing(500)
    retry = PatientRetry(NoBackoff(), retries=-1, patience_s=60)
    assert retry.call_with_retry(do, lambda e: None) == "PONG"  # type: ignore[arg-type]
    assert len(calls) == 501


def test_a_lost_connection_is_given_up_once_patience_is_spent() -> None:
    calls, do = failing(10**9)
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        PatientRetry(NoBackoff(), retries=-1, patience_s=0.2).call_with_retry(do, lambda e: None)  # type: ignore[arg-type]
    assert time.monotonic() - started >= 0.2 and len(calls) > 1


def test_a_workers_client_waits_as_long_as_the_host_grace() -> None:
    """A job cut off from Redis keeps its claim for host_grace_s; its worker's client waits
    that long (here shortened to 1 s, against the default 30 s of a patient client)."""
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    ctx = WorkerContext.build(Settings(redis_url=url, host_grace_s=1.0), enqueue=lambda *a: None)
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        ctx.jobs.get("0" * 32)
    waited = time.monotonic() - started
    assert 1.0 <= waited < 10, waited
