"""The one retry policy: capped exponential waits with jitter, and Retry-After in both forms."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from roundhouse.core.backoff import Backoff, retry_after
from roundhouse.providers.generation.http import _after
from roundhouse.providers.hf import retry as hf_retry

NOW = 1_800_000_000.0


def test_waits_double_up_to_the_cap_and_jitter_only_shortens() -> None:
    plain = Backoff(base_s=0.5, max_s=4.0, jitter=0)
    assert [plain.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    spread = Backoff(base_s=0.5, max_s=4.0, jitter=0.5)
    assert spread.delay(3, rand=lambda: 0.0) == 2.0
    assert spread.delay(3, rand=lambda: 1.0) == 1.0
    waits = {spread.delay(3) for _ in range(100)}
    assert len(waits) > 10 and all(1.0 <= w <= 2.0 for w in waits)


def test_a_servers_retry_after_wins_but_is_capped() -> None:
    policy = Backoff(base_s=0.5, max_s=4.0)
    assert policy.delay(1, retry_after=3.0) == 3.0
    assert policy.delay(1, retry_after=120.0) == 4.0
    assert policy.delay(5, retry_after=0.0) == 0.0


@pytest.mark.parametrize(
    "header,seconds",
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        (format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True), 30.0),
        (format_datetime(datetime.fromtimestamp(NOW - 30, UTC), usegmt=True), 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # long past
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after(header, now=lambda: NOW) == seconds


def test_both_http_callers_read_an_http_date() -> None:
    later = format_datetime(
        datetime.fromtimestamp(datetime.now(UTC).timestamp() + 60, UTC), usegmt=True
    )
    response = httpx.Response(503, headers={"Retry-After": later})
    for read in (_after, hf_retry.retry_after):
        got = read(response)
        assert got is not None and 55 < got <= 60


def test_the_download_budget_uses_the_policy_and_the_servers_word() -> None:
    budget = hf_retry.Budget({"retries": 3, "backoff": 0.5, "max_backoff": 8.0})
    first = budget.wait_for(hf_retry.Retry("HTTP 503"), progressed=False, filename="f")
    assert 0.25 <= first <= 0.5
    told = budget.wait_for(hf_retry.Retry("HTTP 429", retry_after=6.0), False, "f")
    assert told == 6.0
