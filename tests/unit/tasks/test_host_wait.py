"""Queued jobs on an offline host say so (the watchdog sweep runs this)."""

from __future__ import annotations

import time

import fakeredis
import pytest

from roundhouse.core.hosts import Hosts
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.tasks.host_wait import note_waiting


@pytest.fixture
def hosts(fake_redis: fakeredis.FakeRedis) -> Hosts:
    return Hosts(fake_redis, Keys("rh:"), offline_after_s=30)


def test_queued_jobs_on_an_offline_host_say_so_until_it_is_back(
    fake_redis: fakeredis.FakeRedis, hosts: Hosts
) -> None:
    store = JobStore(fake_redis, Keys("rh:"))
    hosts.beat("gpu", at=time.time() - 60)
    hosts.beat("cpu")
    waiting, _ = store.create("hf.download", {"host": "gpu"}, queue="host.gpu")
    fine, _ = store.create("hf.download", {"host": "cpu"}, queue="host.cpu")
    other, _ = store.create("demo.count", {}, queue="default")
    assert note_waiting(store, hosts) == [waiting["id"]]
    message = store.get(waiting["id"])["message"]
    assert message.startswith("Waiting for host gpu (offline since ") and message.endswith("UTC)")
    assert store.get(fine["id"])["message"] == store.get(other["id"])["message"] == "Queued"
    assert note_waiting(store, hosts) == []  # said once, not on every sweep
    hosts.beat("gpu")
    assert note_waiting(store, hosts) == [waiting["id"]]
    assert store.get(waiting["id"])["message"] == "Queued: host gpu is back"
