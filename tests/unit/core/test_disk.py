"""Disk reservations: atomic reserve-if-fits, release, and no leak when a job dies."""

from __future__ import annotations

import fakeredis
import pytest

from roundhouse.core.disk import DiskReservations, GiB, floor_bytes
from roundhouse.core.errors import Conflict
from roundhouse.core.keys import Keys
from roundhouse.providers.hf import preflight

KEYS = Keys("rh:")


def with_jobs(r: fakeredis.FakeRedis, **states: str) -> DiskReservations:
    for job_id, state in states.items():
        r.hset(KEYS.job(job_id), "state", state)
    return DiskReservations(r, KEYS, "box")


def test_reserve_counts_other_jobs_and_refuses_what_does_not_fit(
    fake_redis: fakeredis.FakeRedis,
) -> None:
    res = with_jobs(fake_redis, a="running", b="queued")
    assert res.try_reserve("a", 600, free=1000, margin=100) == (True, 0)
    assert res.try_reserve("b", 400, free=1000, margin=100) == (False, 600)
    assert res.try_reserve("b", 300, free=1000, margin=100) == (True, 600)
    assert res.reserved() == 900 and res.reserved(exclude="a") == 300
    assert res.try_reserve("a", 650, free=1000, margin=0) == (True, 300)  # own bytes don't count


def test_release_and_dead_jobs_free_their_bytes(fake_redis: fakeredis.FakeRedis) -> None:
    res = with_jobs(fake_redis, a="running", b="running", c="running")
    for job_id in "abc":
        res.try_reserve(job_id, 100, free=10_000, margin=0)
    res.release("a")
    fake_redis.hset(KEYS.job("b"), "state", "failed")  # ended without releasing
    fake_redis.delete(KEYS.job("c"))  # expired
    assert res.all() == {}
    assert fake_redis.hgetall(KEYS.disk("box")) == {}


def test_a_paused_job_holds_no_reservation(fake_redis: fakeredis.FakeRedis) -> None:
    res = with_jobs(fake_redis, a="running")
    res.try_reserve("a", 100, free=1000, margin=0)
    fake_redis.hset(KEYS.job("a"), "state", "paused")
    assert res.reserved() == 0


def test_the_floor_is_the_setting_or_the_larger_of_1_gib_and_5_percent() -> None:
    assert floor_bytes(0, 100 * GiB) == 0 and floor_bytes(123, 100 * GiB) == 123
    assert floor_bytes(-1, 10 * GiB) == GiB  # 5 % would be 0.5 GiB
    assert floor_bytes(-1, 100 * GiB) == 5 * GiB


def test_a_download_must_leave_the_floor_free_and_the_refusal_names_it() -> None:
    preflight(10, 100, 0, margin_bytes=0, floor_bytes=90)  # leaves exactly the floor
    with pytest.raises(Conflict, match="keeping 91 B free \\(the disk floor\\)") as err:
        preflight(10, 100, 0, margin_bytes=0, floor_bytes=91)
    assert err.value.details["floor_bytes"] == 91 and "ROUNDHOUSE_DISK_FLOOR" in err.value.hint
