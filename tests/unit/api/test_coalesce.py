"""Coalescing for all-jobs watchers: latest progress per job per 100 ms; everything else at once."""

from __future__ import annotations

import json

from roundhouse.api.coalesce import Coalescer


def ev(seq: int, event: str = "progress", state: str = "running") -> str:
    return json.dumps(
        {"seq": seq, "type": "job", "state": state, "event": event}, separators=(",", ":")
    )


def test_progress_is_held_then_the_latest_goes_out_when_due() -> None:
    c = Coalescer(0.1)
    assert c.offer("a", ev(1), now=0.0)
    assert not c.offer("a", ev(2), now=0.02)
    assert not c.offer("a", ev(3), now=0.05)
    assert c.due(0.09) == []
    assert abs(c.wait(0.09, 1.0) - 0.01) < 1e-9
    assert c.due(0.1) == [ev(3)]
    assert c.due(0.5) == []


def test_other_jobs_are_independent() -> None:
    c = Coalescer(0.1)
    assert c.offer("a", ev(1), 0.0)
    assert c.offer("b", ev(1), 0.01)
    assert not c.offer("a", ev(2), 0.02)


def test_a_final_state_always_goes_out_and_drops_older_held_progress() -> None:
    c = Coalescer(0.1)
    assert c.offer("a", ev(1), 0.0)
    assert not c.offer("a", ev(2), 0.01)
    assert c.offer("a", ev(3, "state", "succeeded"), 0.02)
    assert c.due(1.0) == []  # the held progress (older) never follows the final state


def test_created_state_and_one_off_events_are_never_held() -> None:
    c = Coalescer(0.1)
    assert c.offer("a", ev(1, "created", "queued"), 0.0)
    assert c.offer("a", ev(2), 0.0)
    for seq, name in enumerate(("state", "candidate", "round"), start=3):
        assert c.offer("a", ev(seq, name), 0.01)
    assert c.offer("", '{"type":"providers"}', 0.01)


def test_wait_is_the_timeout_with_nothing_held() -> None:
    assert Coalescer(0.1).wait(5.0, 0.5) == 0.5
