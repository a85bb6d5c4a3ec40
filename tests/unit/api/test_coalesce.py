"""Coalescing for all-jobs watchers: latest progress per job per 100 ms; everything else at once."""

from __future__ import annotations

import json

from roundhouse.api.coalesce import Coalescer
from roundhouse.core.feed import Entry


def ev(seq: int, event: str = "progress", state: str = "running") -> str:
    body = {"seq": seq, "type": "job", "state": state, "event": event}
    return json.dumps(body, separators=(",", ":"))


def entry(job: str, seq: int, written: int, event: str = "progress", state: str = "") -> Entry:
    """A feed entry as the store writes it: the event's name beside its JSON."""
    return Entry(f"{written}-0", job, seq, event, ev(seq, event, state or "running"))


def test_progress_written_sooner_is_held_then_the_latest_goes_out_when_due() -> None:
    c = Coalescer(100)
    assert c.offer(entry("a", 1, 1000), now=0.0)
    assert not c.offer(entry("a", 2, 1020), now=0.01)  # due 80 ms later: at 0.09
    assert not c.offer(entry("a", 3, 1050), now=0.04)
    assert c.due(0.08) == []
    assert abs(c.wait(0.08, 1.0) - 0.01) < 1e-9
    assert c.due(0.09) == [ev(3)]
    assert c.due(0.5) == []
    assert not c.offer(entry("a", 4, 1120), now=0.1)  # 70 ms after the one sent (1050)


def test_events_written_an_interval_apart_go_out_whatever_the_delivery_jitter() -> None:
    c = Coalescer(100)
    assert c.offer(entry("a", 1, 1000), now=0.050)  # delivered late
    assert c.offer(entry("a", 2, 1100), now=0.101)  # delivered early: still at once
    assert c.offer(entry("b", 1, 1101), now=0.101)  # other jobs are independent


def test_a_final_state_always_goes_out_and_drops_older_held_progress() -> None:
    c = Coalescer(100)
    assert c.offer(entry("a", 1, 1000), 0.0)
    assert not c.offer(entry("a", 2, 1010), 0.01)
    assert c.offer(entry("a", 3, 1020, "state", "succeeded"), 0.02)
    assert c.due(1.0) == []  # the held progress (older) never follows the final state


def test_created_state_and_one_off_events_are_never_held() -> None:
    c = Coalescer(100)
    assert c.offer(entry("a", 1, 1000, "created", "queued"), 0.0)
    assert c.offer(entry("a", 2, 1000), 0.0)
    for seq, name in enumerate(("state", "candidate", "round"), start=3):
        assert c.offer(entry("a", seq, 1001, name), 0.01)
    assert c.offer(Entry("1001-0", "", 0, "", '{"type":"providers"}'), 0.01)


def test_wait_is_the_timeout_with_nothing_held() -> None:
    assert Coalescer(100).wait(5.0, 0.5) == 0.5
